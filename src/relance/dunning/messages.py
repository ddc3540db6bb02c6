"""From a planned action to the message a channel sends: recipient and rendered text.

The recipient follows the contact rules that do not depend on history: a contact who
opted out of a channel is never used for it; the primary billing contact comes first,
then accounts payable, then anyone else. No usable recipient is a `NoRecipient`
refusal (the action is cancelled with that reason, never sent somewhere else).

Texts are Django templates in dunning/templates/dunning/messages/<language>/: one per
tone (courteous, firm, formal), the formal notice, the penalty invoice, the call script and
the internal task; they share the invoice lines, the penalties statement and the signature.

The legal steps carry a document issued when the message is sent
(relance.dunning.legal_steps): `render(..., document=...)` is given the penalty invoice or
the formal notice and attaches its PDF. A formal notice by letter is the notice itself (its
PDF and its text); a penalty invoice by letter is a covering letter followed by the penalty
invoice's pages; by email the PDF (with its Factur-X XML for a penalty invoice) comes first.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from django.template.loader import render_to_string
from django.utils import translation
from pypdf import PdfReader, PdfWriter

from relance.channels.base import Attachment, Outbound
from relance.channels.letter.payment import PaymentDetails, payment_details, qr_svg
from relance.channels.letter.pdf import Letter, Row, Sender, Table, render_pdf
from relance.creditors.models import Creditor
from relance.customers.models import Contact, ContactRole, Customer
from relance.domain import dunning as dd
from relance.domain.money import Money
from relance.domain.sms import fits
from relance.domain.wording import lint
from relance.dunning.documents import Statement, build_statement
from relance.dunning.models import INVOICE_KIND, LABELS, STATEMENT_KIND, Action
from relance.dunning.services import partial_pauses
from relance.ledger.models import Invoice
from relance.legal.models import FormalNotice, PenaltyInvoice

LANGUAGES = ("fr", "en")
_BLANK_RUNS = re.compile(r"\n\s*\n(\s*\n)+")

SUBJECTS: dict[str, dict[str, str]] = {
    "fr": {
        "before_due": "Rappel : factures à échéance prochaine – {creditor}",
        dd.Tone.COURTEOUS: "Rappel de factures impayées – {creditor}",
        dd.Tone.FIRM: "Relance : factures impayées – {creditor}",
        dd.Tone.FORMAL: "Dernière relance avant suites – {creditor}",
        dd.StepKind.FORMAL_NOTICE: "Mise en demeure – {creditor}",
        dd.StepKind.PENALTY_INVOICE: "Facture de pénalités de retard {document} – {creditor}",
        "call": "Appel à passer : {customer}",
        "task": "Décision à prendre : {customer}",
        "invoice": "Facture {number} – {creditor}",
        "statement": "Relevé de compte au {today} – {creditor}",
    },
    "en": {
        "before_due": "Reminder: invoices due soon – {creditor}",
        dd.Tone.COURTEOUS: "Reminder of unpaid invoices – {creditor}",
        dd.Tone.FIRM: "Reminder: unpaid invoices – {creditor}",
        dd.Tone.FORMAL: "Final reminder – {creditor}",
        dd.StepKind.FORMAL_NOTICE: "Formal notice – {creditor}",
        dd.StepKind.PENALTY_INVOICE: "Late-payment penalty invoice {document} – {creditor}",
        "call": "Call to make: {customer}",
        "task": "Decision to take: {customer}",
        "invoice": "Invoice {number} – {creditor}",
        "statement": "Account statement as at {today} – {creditor}",
    },
}


class Unsendable(Exception):
    """This action cannot be sent as it is (the reason is the message)."""


class NoRecipient(Unsendable):
    """The customer has no contact this channel may use (missing address, opted out, or an
    email address flagged undeliverable by delivery feedback)."""


class RefusedWording(Unsendable):
    """The rendered text breaks a wording rule (relance.domain.wording)."""


@dataclass(frozen=True, slots=True)
class Recipient:
    address: str
    name: str


#: Step kinds whose message carries a legal document issued when it is sent, and the
#: channels that carry it (an SMS, a call or a task of such a step is rendered as usual).
LEGAL_KINDS = frozenset({dd.StepKind.PENALTY_INVOICE, dd.StepKind.FORMAL_NOTICE})
DOCUMENT_CHANNELS = frozenset({dd.Channel.EMAIL, dd.Channel.LETTER, dd.Channel.REGISTERED_LETTER})


def carries_legal_document(action: Action) -> bool:
    """Whether sending `action` issues (or carries) a penalty invoice or a formal notice."""
    return action.kind in LEGAL_KINDS and action.channel in DOCUMENT_CHANNELS


LegalDocument = PenaltyInvoice | FormalNotice


def _ranked(contacts: list[Contact]) -> list[Contact]:
    def rank(c: Contact) -> tuple[int, int, int]:
        return (
            0 if c.is_primary_billing else 1,
            0 if c.role == ContactRole.ACCOUNTS_PAYABLE else 1,
            c.pk,
        )

    return sorted(contacts, key=rank)


def _name(contact: Contact) -> str:
    return " ".join(p for p in (contact.first_name, contact.last_name) if p)


def postal_block(customer: Customer, contact: Contact | None) -> str:
    """The address block of a letter (placed for a window envelope by the letter channel)."""
    lines = [customer.legal_name]
    if contact is not None and _name(contact):
        lines.append(f"À l'attention de {_name(contact)}")
    use_contact = contact is not None and contact.address_line1 and contact.city
    source: Any = contact if use_contact else customer
    lines += [source.address_line1, source.address_line2]
    lines.append(f"{source.postal_code} {source.city}".strip())
    country = source.country or "FR"
    if country != "FR":
        lines.append(country)
    return "\n".join(line for line in lines if line)


def recipient(channel: str, customer: Customer, contacts: list[Contact]) -> Recipient:
    ranked = _ranked(contacts)
    if channel == dd.Channel.EMAIL:
        usable = [
            c for c in ranked if c.email and not c.opt_out_email and not c.email_undeliverable_since
        ]
        if not usable:
            raise NoRecipient("no email address usable (missing or opted out)")
        return Recipient(usable[0].email, _name(usable[0]))
    if channel == dd.Channel.SMS:
        # a mobile a call found wrong (the contact's only number) gets no SMS either
        usable = [
            c
            for c in ranked
            if c.mobile
            and not c.opt_out_sms
            and not c.mobile_undeliverable_since
            and not c.mobile_wrong
        ]
        if not usable:
            raise NoRecipient(
                "no mobile number usable (missing, opted out, undeliverable or flagged wrong)"
            )
        return Recipient(usable[0].mobile, _name(usable[0]))
    if channel == dd.Channel.CALL:
        usable = [c for c in ranked if c.callable]
        if not usable:
            raise NoRecipient("no phone number usable (missing, opted out or flagged wrong)")
        return Recipient(usable[0].call_number, _name(usable[0]))
    if channel in (dd.Channel.LETTER, dd.Channel.REGISTERED_LETTER):
        if not customer.address_line1 or not customer.city:
            raise NoRecipient("no postal address for the customer")
        usable = [c for c in ranked if not c.opt_out_letter]
        if ranked and not usable:
            raise NoRecipient("every contact opted out of letters")
        return Recipient(postal_block(customer, usable[0] if usable else None), customer.legal_name)
    # meeting and internal tasks go to the assigned collector
    collector = customer.assigned_collector
    who = collector.get_username() if collector is not None else ""
    return Recipient(who, collector.get_full_name() or who if collector is not None else "")


def _locale(lang: str) -> str:
    return "fr_FR" if lang == "fr" else "en_GB"


def _money(minor: int, currency: str, lang: str) -> str:
    return str(
        format_currency(Money.from_minor(minor, currency).amount, currency, locale=_locale(lang))
    )


def _day(value: date, lang: str) -> str:
    return format_date(value, "dd/MM/yyyy" if lang == "fr" else "d MMM yyyy", locale=_locale(lang))


def _penalty_rate(creditor: Creditor, lang: str) -> str:
    if creditor.penalty_clause == "contractual" and creditor.contractual_rate is not None:
        rate = format_decimal(creditor.contractual_rate, locale=_locale(lang))
        return f"{rate} % l'an" if lang == "fr" else f"{rate}% a year"
    if lang == "fr":
        return "du taux de refinancement de la BCE majoré de 10 points"
    return "the ECB refinancing rate plus 10 percentage points"


@dataclass(frozen=True, slots=True)
class Rendered:
    """What a registered renderer returns: the subject, the text and the attachments."""

    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()


#: Renderers of action kinds owned by other apps (relance.negotiation registers its promise
#: and instalment reminders and the plan agreement in its AppConfig.ready()). They receive
#: the action, the day, the language and the greeting; the recipient, the wording linter
#: and the envelope stay here.
KIND_RENDERERS: dict[str, Callable[[Action, date, str, str], Rendered]] = {}


def greeting_for(contacts: list[Contact], lang: str) -> str:
    primary = _ranked([c for c in contacts if _name(c)])
    name = _name(primary[0]) if primary else ""
    if lang == "fr":
        return f"Bonjour {name}" if name else "Madame, Monsieur"
    return f"Dear {name}" if name else "Dear Sir or Madam"


def render(
    action: Action,
    as_of: date,
    invoices: dict[int, Invoice] | None = None,
    disputed: dict[int, int] | None = None,
    document: LegalDocument | None = None,
    *,
    portal_url: str = "",
) -> Outbound:
    """The message of `action` (raises NoRecipient when it cannot be addressed).

    `invoices` (by id) may hold the action's invoices, read beforehand for a whole batch;
    `disputed` the part of each invoice held back by a partial pause (a dispute), likewise
    (read here when None).
    `document`: the penalty invoice or formal notice of a legal step, required when the
    action carries one (relance.dunning.legal_steps.document_for issues or finds it).
    `portal_url` is the debtor's personal portal link, given by the worker when it renders
    the message for sending (relance.portal.links); previews show the message without it.
    """
    if carries_legal_document(action) and document is None:
        raise ValueError(
            f"action {action.pk} ({action.kind}) carries a legal document: render it with "
            "relance.dunning.legal_steps.document_for(action, as_of)"
        )
    customer = action.customer
    contacts = list(customer.contacts.all())
    if action.contact_id is not None:
        # A person chose the recipient: only that contact, with its own opt-outs.
        contacts = [c for c in contacts if c.pk == action.contact_id]
    to = recipient(action.channel, customer, contacts)
    registered = KIND_RENDERERS.get(action.kind)
    if registered is not None:
        return _registered(action, as_of, to, contacts, registered)
    context, lines, invoices = message_context(
        action, as_of, to, contacts, invoices, disputed, portal_url=portal_url
    )
    return _finish(action, as_of, to, context, lines, invoices, document, portal_url=portal_url)


def _registered(
    action: Action,
    as_of: date,
    to: Recipient,
    contacts: list[Contact],
    renderer: Callable[[Action, date, str, str], Rendered],
) -> Outbound:
    """The message of an action kind another app renders (see KIND_RENDERERS)."""
    customer = action.customer
    creditor = action.creditor
    lang = customer.language if customer.language in LANGUAGES else "fr"
    made = renderer(action, as_of, lang, greeting_for(contacts, lang))
    if action.channel in dd.DEBTOR_CHANNELS:
        found = lint(f"{made.subject}\n{made.body}", kind=action.kind, b2b=customer.kind == "b2b")
        if found:
            raise RefusedWording(f"wording refused ({found[0].code}): {found[0].excerpt}")
    return Outbound(
        channel=action.channel,
        idempotency_key=action.idempotency_key,
        recipient=to.address,
        recipient_name=to.name,
        subject=made.subject,
        body=_with_note(made.body, action.note),
        sender_name=creditor.trade_name or creditor.legal_name,
        sender_email=creditor.email,
        reply_to=creditor.email,
        language=lang,
        attachments=made.attachments,
    )


def message_context(
    action: Action,
    as_of: date,
    to: Recipient,
    contacts: list[Contact],
    invoices: dict[int, Invoice] | None = None,
    disputed: dict[int, int] | None = None,
    *,
    portal_url: str = "",
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[int, Invoice]]:
    """The template context of `action`'s message for recipient `to`, its invoice lines and
    the invoices read."""
    customer = action.customer
    creditor = action.creditor
    lang = customer.language if customer.language in LANGUAGES else "fr"
    items = action.lines()
    if invoices is None or any(x.invoice_id not in invoices for x in items):
        invoices = Invoice.objects.in_bulk([x.invoice_id for x in items])
    if disputed is None:
        disputed = partial_pauses([x.invoice_id for x in items], as_of)
    lines = []
    for item in sorted(items, key=lambda i: (invoices[i.invoice_id].due_date, i.invoice_id)):
        inv = invoices[item.invoice_id]
        held = disputed.get(item.invoice_id, 0)
        lines.append(
            {
                "number": inv.number,
                "issued": _day(inv.issue_date, lang),
                "due": _day(inv.due_date, lang),
                "days_late": (as_of - inv.due_date).days,
                "open": _money(item.open_minor, action.currency, lang),
                "disputed": _money(held, action.currency, lang) if held > 0 else "",
            }
        )
    # "soon due" wording only when nothing in the message is overdue yet
    before_due = action.step_offset <= 0 and action.overdue_total_minor == 0
    primary = _ranked([c for c in contacts if _name(c)])
    greeting_name = _name(primary[0]) if primary else ""
    if lang == "fr":
        greeting = f"Bonjour {greeting_name}" if greeting_name else "Madame, Monsieur"
    else:
        greeting = f"Dear {greeting_name}" if greeting_name else "Dear Sir or Madam"
    context = {
        "creditor": creditor,
        "customer": customer,
        "greeting": greeting,
        "contact_name": to.name,
        "lines": lines,
        "disputed_lines": [line for line in lines if line["disputed"]],
        "total": _money(action.total_minor, action.currency, lang),
        "overdue_total": _money(action.overdue_total_minor, action.currency, lang),
        "has_overdue": action.overdue_total_minor > 0,
        "states_penalties": action.states_penalties,
        "b2b": customer.kind == "b2b",
        "penalty_rate": _penalty_rate(creditor, lang),
        "indemnity": str(
            format_currency(
                Decimal(creditor.indemnity_amount), creditor.currency, locale=_locale(lang)
            )
        ),
        "before_due": before_due,
        "today": _day(as_of, lang),
        "tone_label": str(LABELS[action.tone]),
        "as_letter": action.channel in LETTER_CHANNELS,
        "portal_url": portal_url,
        "payment": payment_details(
            creditor.iban,
            creditor.bic,
            creditor.legal_name,
            [str(line["number"]) for line in lines],
            Money.from_minor(
                action.overdue_total_minor
                if action.overdue_total_minor > 0
                else action.total_minor,
                action.currency,
            ),
        ),
    }
    return context, lines, invoices


def call_script(action: Action, as_of: date, to: Recipient) -> str:
    """The call script of `action` (a call, as the call screen shows it), for `to`."""
    lang = action.customer.language if action.customer.language in LANGUAGES else "fr"
    contacts = list(action.customer.contacts.all())
    with translation.override(lang):  # the tone's label, in the language of the call
        context, _lines, _invoices = message_context(action, as_of, to, contacts)
        text = render_to_string(f"dunning/messages/{lang}/call_script.txt", context)
    return _BLANK_RUNS.sub("\n\n", text).strip() + "\n"


def _finish(
    action: Action,
    as_of: date,
    to: Recipient,
    context: dict[str, Any],
    lines: list[dict[str, Any]],
    invoices: dict[int, Invoice],
    document: LegalDocument | None = None,
    *,
    portal_url: str = "",
) -> Outbound:
    customer = action.customer
    creditor = action.creditor
    lang = customer.language if customer.language in LANGUAGES else "fr"
    items = action.lines()
    statement: Statement | None = None
    invoice_pdf = b""
    if action.kind == STATEMENT_KIND:
        statement = build_statement(customer, action.currency, as_of)
        if not statement.items:
            raise Unsendable("no open item left for the account statement")
        context.update(_statement_context(statement, lang))
        template, subject_key = "statement", "statement"
    elif action.kind == INVOICE_KIND:
        invoice = invoices[items[0].invoice_id]
        invoice_pdf = _stored_pdf(invoice)
        context.update(
            invoice={
                **lines[0],
                "total": _money(invoice.total_incl_tax_minor, invoice.currency, lang),
            },
            has_document=bool(invoice_pdf),
            terms_days=(invoice.due_date - invoice.issue_date).days,
        )
        template, subject_key = "invoice", "invoice"
    elif isinstance(document, PenaltyInvoice):
        context.update(_penalty_context(document, lang))
        template, subject_key = "penalty_invoice", dd.StepKind.PENALTY_INVOICE
    elif isinstance(document, FormalNotice):
        context.update(_notice_context(action, document, lang))
        template, subject_key = "formal_notice", dd.StepKind.FORMAL_NOTICE
    elif action.channel == dd.Channel.CALL:
        template, subject_key = "call_script", "call"
    elif action.channel in (dd.Channel.TASK, dd.Channel.MEETING):
        template, subject_key = "task", "task"
    else:
        # (an SMS of a legal step too: its text is the short reminder below)
        template = action.tone
        courteous = action.tone == dd.Tone.COURTEOUS
        subject_key = "before_due" if context["before_due"] and courteous else action.tone
    if isinstance(document, FormalNotice) and action.channel in LETTER_CHANNELS:
        # The letter is the notice itself: its text as recorded, its PDF as attached.
        body = document.text.strip() + "\n"
    else:
        text = render_to_string(f"dunning/messages/{lang}/{template}.txt", context)
        body = _with_note(_BLANK_RUNS.sub("\n\n", text).strip() + "\n", action.note)
    subject = SUBJECTS[lang][subject_key].format(
        creditor=creditor.trade_name or creditor.legal_name,
        customer=customer.legal_name,
        today=context["today"],
        number=lines[0]["number"] if lines else "",
        document=document.number if isinstance(document, PenaltyInvoice) else "",
    )
    # Everything the debtor reads or hears is checked; internal tasks name the options freely.
    debtor_facing = action.channel in dd.DEBTOR_CHANNELS
    # The link's random token is not wording: it is left out of the check.
    checked = body.replace(portal_url, "<portal>") if portal_url else body
    findings = (
        lint(f"{subject}\n{checked}", kind=action.kind, b2b=customer.kind == "b2b")
        if debtor_facing
        else []
    )
    if findings:
        first = findings[0]
        raise RefusedWording(f"wording refused ({first.code}): {first.excerpt}")
    attachments: tuple[Attachment, ...] = ()
    if statement is not None:
        pdf = render_pdf(_statement_letter(action, lang, to, subject, body, context))
        attachments = (Attachment(f"{action.idempotency_key}.pdf", pdf, "application/pdf"),)
    elif invoice_pdf:
        name = f"{lines[0]['number']}.pdf"
        attachments = (Attachment(name, invoice_pdf, "application/pdf"),)
    elif document is not None:
        attachments = (
            _document_attachment(action, document, lang, to, subject, body, lines, context),
        )
    elif action.channel in LETTER_CHANNELS:
        pdf = render_pdf(_letter(action, lang, to, subject, body, lines, context))
        attachments = (Attachment(f"{action.idempotency_key}.pdf", pdf, "application/pdf"),)
    if action.channel == dd.Channel.SMS:
        body = _sms_text(
            lang,
            creditor,
            lines,
            _money(action.overdue_total_minor, action.currency, lang),
            portal_url,
        )
    return Outbound(
        channel=action.channel,
        idempotency_key=action.idempotency_key,
        recipient=to.address,
        recipient_name=to.name,
        subject=subject,
        body=body,
        sender_name=creditor.trade_name or creditor.legal_name,
        sender_email=creditor.email,
        reply_to=creditor.email,
        language=lang,
        attachments=attachments,
    )


LETTER_CHANNELS = frozenset({dd.Channel.LETTER, dd.Channel.REGISTERED_LETTER})


def document_pdf(document: LegalDocument) -> tuple[str, bytes]:
    """The file name and the stored PDF of a penalty invoice or a formal notice."""
    if isinstance(document, PenaltyInvoice):
        return f"{document.number}.pdf", bytes(document.pdf or b"")
    return f"mise-en-demeure-{document.sent_on.isoformat()}.pdf", bytes(document.pdf or b"")


def _document_attachment(
    action: Action,
    document: LegalDocument,
    lang: str,
    to: Recipient,
    subject: str,
    body: str,
    lines: list[dict[str, Any]],
    context: dict[str, Any],
) -> Attachment:
    """The PDF a legal step's message carries (see the module docstring)."""
    name, pdf = document_pdf(document)
    if not pdf.startswith(b"%PDF"):
        raise Unsendable(f"the PDF of {name} is missing")
    if isinstance(document, PenaltyInvoice) and action.channel in LETTER_CHANNELS:
        cover = render_pdf(_letter(action, lang, to, subject, body, lines, context))
        pdf = _concatenated(cover, pdf)
    return Attachment(name, pdf, "application/pdf")


def _concatenated(*pdfs: bytes) -> bytes:
    writer = PdfWriter()
    for content in pdfs:
        writer.append(PdfReader(io.BytesIO(content)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _penalty_context(pi: PenaltyInvoice, lang: str) -> dict[str, Any]:
    lines = list(pi.lines.select_related("invoice").order_by("id"))
    return {
        "penalty": {
            "number": pi.number,
            "issued": _day(pi.issued_on, lang),
            "interest": _money(pi.interest_minor, pi.currency, lang),
            "indemnity": _money(pi.indemnity_minor, pi.currency, lang),
            "has_indemnity": pi.indemnity_minor > 0,
            "total": _money(pi.total_minor, pi.currency, lang),
            "invoices": ", ".join(line.invoice.number for line in lines),
        }
    }


def _notice_context(action: Action, notice: FormalNotice, lang: str) -> dict[str, Any]:
    registered = action.channel == dd.Channel.REGISTERED_LETTER or (
        action.run_id is not None
        and Action.objects.filter(
            run_id=action.run_id,
            customer_id=action.customer_id,
            currency=action.currency,
            channel=dd.Channel.REGISTERED_LETTER,
        ).exists()
    )
    return {
        "notice": {
            "sent_on": _day(notice.sent_on, lang),
            "deadline": _day(notice.deadline, lang),
            "period_days": notice.period_days,
            "total": _money(notice.total_minor, action.currency, lang),
            "registered": registered,
        }
    }


def _letter(
    action: Action,
    lang: str,
    to: Recipient,
    subject: str,
    body: str,
    lines: list[dict[str, Any]],
    context: dict[str, Any],
) -> Letter:
    sender, footer, place_date = _letterhead(action.creditor, lang, context["today"])
    qr = _qr(context["payment"], lang)
    return Letter(
        lang=lang,
        sender=sender,
        address=to.address.splitlines(),
        place_date=place_date,
        subject=subject,
        paragraphs=[p.strip() for p in body.split("\n\n") if p.strip()],
        rows=[
            Row(
                line["number"],
                line["issued"],
                line["due"],
                str(max(line["days_late"], 0)),
                line["open"],
            )
            for line in lines
        ],
        total=context["overdue_total"] if context["has_overdue"] else context["total"],
        registered=action.channel == dd.Channel.REGISTERED_LETTER,
        footer=footer,
        qr_svg=qr[0],
        qr_caption=qr[1],
    )


def _qr(payment: PaymentDetails | None, lang: str) -> tuple[str, str]:
    """The EPC QR code of a letter and its caption (nothing without IBAN or in another
    currency than the euro: SEPA transfers only)."""
    if payment is None or not payment.epc:
        return "", ""
    caption = (
        f"Scannez ce code avec votre application bancaire pour payer par virement "
        f"(référence {payment.reference})."
        if lang == "fr"
        else f"Scan this code with your banking app to pay by transfer "
        f"(reference {payment.reference})."
    )
    return qr_svg(payment.epc), caption


def _letterhead(creditor: Creditor, lang: str, when: str) -> tuple[Sender, str, str]:
    """The sender block, the legal footer and the place and date of a letter."""
    sender_lines = [
        creditor.address_line1,
        creditor.address_line2,
        f"{creditor.postal_code} {creditor.city}".strip(),
        " – ".join(p for p in (creditor.phone, creditor.email) if p),
    ]
    legal = [
        f"{creditor.legal_name}{', ' + creditor.legal_form if creditor.legal_form else ''}",
        f"SIREN {creditor.siren}" if creditor.siren else "",
        creditor.rcs,
        f"TVA {creditor.vat_number}" if creditor.vat_number else "",
    ]
    where = creditor.city or ""
    place_date = (
        (f"{where}, le {when}" if where else f"Le {when}")
        if lang == "fr"
        else (f"{where}, {when}" if where else when)
    )
    sender = Sender(creditor.trade_name or creditor.legal_name, [x for x in sender_lines if x])
    return sender, " – ".join(x for x in legal if x), place_date


def _with_note(body: str, note: str) -> str:
    """The body with a person's note as its second paragraph (after the greeting)."""
    note = note.strip()
    if not note:
        return body
    greeting, _sep, rest = body.partition("\n\n")
    return f"{greeting}\n\n{note}\n\n{rest}" if rest else f"{body.rstrip()}\n\n{note}\n"


def _stored_pdf(invoice: Invoice) -> bytes:
    """The invoice's own PDF as stored in the ledger (b"" when it has none)."""
    if not invoice.pdf:
        return b""
    with invoice.pdf.open("rb") as handle:
        content: bytes = handle.read()
    return content


STATEMENT_LABELS: dict[str, dict[str, Any]] = {
    "fr": {
        "items": "Factures ouvertes",
        "item_headers": ["Facture", "Date", "Échéance", "Montant", "Reste dû", "Jours de retard"],
        "open_total": "Total ouvert :",
        "payments": "Règlements reçus du {since} au {today}",
        "payment_headers": ["Date", "Référence", "Montant"],
        "balance": "Solde",
        "on_account": "Règlements et avoirs non affectés",
        "balance_due": "Solde du compte",
    },
    "en": {
        "items": "Open invoices",
        "item_headers": ["Invoice", "Date", "Due", "Amount", "Open", "Days overdue"],
        "open_total": "Total open:",
        "payments": "Payments received from {since} to {today}",
        "payment_headers": ["Date", "Reference", "Amount"],
        "balance": "Balance",
        "on_account": "Payments and credit notes not matched yet",
        "balance_due": "Balance of the account",
    },
}


def _statement_context(statement: Statement, lang: str) -> dict[str, Any]:
    currency = statement.currency
    return {
        "statement": statement,
        "lines": [
            {
                "number": item.number,
                "issued": _day(item.issued, lang),
                "due": _day(item.due, lang),
                "days_late": item.days_overdue,
                "amount": _money(item.total_minor, currency, lang),
                "open": _money(item.open_minor, currency, lang),
            }
            for item in statement.items
        ],
        "payments": [
            {
                "date": _day(p.on, lang),
                "reference": p.reference,
                "amount": _money(p.amount_minor, currency, lang),
            }
            for p in statement.payments
        ],
        "since": _day(statement.since, lang),
        "today": _day(statement.as_of, lang),
        "total": _money(statement.open_total_minor, currency, lang),
        "on_account": _money(statement.on_account_minor, currency, lang),
        "balance": _money(statement.balance_minor, currency, lang),
    }


def _statement_letter(
    action: Action, lang: str, to: Recipient, subject: str, body: str, context: dict[str, Any]
) -> Letter:
    """The statement as a PDF: the letter's layout, the text without its lists, three tables."""
    if action.channel not in LETTER_CHANNELS:
        # The email lists the items in its text; the PDF shows them in tables instead.
        text = render_to_string(
            f"dunning/messages/{lang}/statement.txt", {**context, "as_letter": True}
        )
        body = _with_note(_BLANK_RUNS.sub("\n\n", text).strip() + "\n", action.note)
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    if action.note.strip():
        paragraphs.insert(2, paragraphs.pop(1))  # the note stays below the introduction
    labels = STATEMENT_LABELS[lang]
    sender, footer, place_date = _letterhead(action.creditor, lang, context["today"])
    lines, payments = context["lines"], context["payments"]
    tables = [
        Table(
            labels["items"],
            labels["item_headers"],
            [
                [x["number"], x["issued"], x["due"], x["amount"], x["open"], str(x["days_late"])]
                for x in lines
            ],
            right=[3, 4, 5],
            total_label=labels["open_total"],
            total=context["total"],
        ),
        Table(
            labels["payments"].format(since=context["since"], today=context["today"]),
            labels["payment_headers"],
            [[p["date"], p["reference"], p["amount"]] for p in payments],
            right=[2],
        ),
        Table(
            labels["balance"],
            ["", ""],
            [
                [labels["items"], context["total"]],
                [labels["on_account"], context["on_account"]],
                [labels["balance_due"], context["balance"]],
            ],
            right=[1],
        ),
    ]
    return Letter(
        lang=lang,
        sender=sender,
        address=postal_block(action.customer, _letter_contact(action, to)).splitlines(),
        place_date=place_date,
        subject=subject,
        # greeting and introduction above the tables, the balance and signature below
        paragraphs=paragraphs[:2],
        footer=footer,
        tables=tables,
        closing=paragraphs[2:],
    )


def _letter_contact(action: Action, to: Recipient) -> Contact | None:
    """The contact a statement's address block names ("À l'attention de")."""
    contacts = _ranked(list(action.customer.contacts.all()))
    if action.contact_id is not None:
        contacts = [c for c in contacts if c.pk == action.contact_id]
    usable = [c for c in contacts if not c.opt_out_letter]
    return usable[0] if usable else None


#: An SMS reminder is at most two segments (306 GSM-7 characters, 134 in UCS-2).
SMS_MAX_SEGMENTS = 2


def _sms_text(
    lang: str, creditor: Creditor, lines: list[dict[str, Any]], amount: str, portal_url: str = ""
) -> str:
    """A short text in the GSM-7 alphabet where possible, at most SMS_MAX_SEGMENTS long.

    French number formatting uses no-break spaces, outside GSM-7: plain spaces keep the
    text in GSM-7 (160 characters per message instead of 70). The portal link, when there
    is one, is always whole: the text before it is shortened instead.
    """
    name = creditor.trade_name or creditor.legal_name
    amount = amount.replace("\u202f", " ").replace("\xa0", " ")
    phone = creditor.phone or ("service client" if lang == "fr" else "our accounts team")
    text = ""
    for shown in (3, 1, 0):
        numbers = ", ".join(line["number"] for line in lines[:shown])
        if len(lines) > shown and shown:
            numbers += ", ..."
        if lang == "fr":
            which = f" (factures {numbers})" if shown else ""
            text = f"{name} : sauf erreur, {amount} restent à régler{which}. " + (
                f"Payer ou nous répondre : {portal_url}"
                if portal_url
                else f"Merci de votre règlement ou de votre appel au {phone}."
            )
        else:
            which = f" (invoices {numbers})" if shown else ""
            text = f"{name}: our records show {amount} unpaid{which}. " + (
                f"Pay or reply: {portal_url}" if portal_url else f"Please pay or call {phone}."
            )
        if fits(text, SMS_MAX_SEGMENTS):
            return text
    tail = f" {portal_url}" if portal_url else ""
    head = text[: len(text) - len(tail)] if tail else text
    while head and not fits(head + tail, SMS_MAX_SEGMENTS):
        head = head[:-1]
    return head + tail
