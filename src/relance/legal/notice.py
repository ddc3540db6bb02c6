"""The formal notice (mise en demeure) of a legal case, as a registered letter (LEGAL.md §4).

    record_notice(case, sent_on, period_days, signatory, user=None) -> FormalNotice
    record_receipt(notice, on, name, content, user=None)   the signed acknowledgment of receipt

The letter carries the usual mentions: the heading "Mise en demeure", both parties'
identities (name, legal form, registered office, SIREN), each overdue invoice (number, date,
amount, due date, payments received, principal still due, penalties with their rate, fixed
indemnity), the demand to pay within `period_days` (8 or 15) with the resulting date, the
consequences (court action, interest running), place, date and signature, and "Lettre
recommandée avec accusé de réception".

Recording it stores the PDF, adds the `notice_sent` stage and sets the case's
`notice_deadline`. The notice date then starts interest at the legal rate on a consumer
(B2C) debt: `relance.legal.accrual` passes it to the penalty engine as `notice_date`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction

from relance.channels.letter.pdf import Letter, Row, Sender, render_pdf
from relance.core.errors import BadInput
from relance.customers.models import CustomerKind
from relance.domain.dunning import NOTICE_PERIODS
from relance.domain.legal_case import Stage
from relance.domain.money import Money
from relance.legal.accrual import penalty_at
from relance.legal.handover import Breakdown, _fmt, claim_breakdown
from relance.legal.models import FormalNotice, LegalCase
from relance.legal.penalty_invoices import _address, _d, _identity, _rate
from relance.legal.services import _check_document, record_event

PERIODS = NOTICE_PERIODS


def _rates(line_invoice: Any, on: date) -> str:
    found = penalty_at(line_invoice, on)
    if found.result is None or not found.result.segments:
        return ""
    rates = sorted({s.rate for s in found.result.segments})
    return " / ".join(_rate(r) for r in rates)


def notice_letter(
    case: LegalCase,
    sent_on: date,
    period_days: int,
    signatory: str,
    breakdown: Breakdown,
    address: list[str] | None = None,
    note: str = "",
) -> Letter:
    """The letter; `address`: the address block (default: the customer's name and office);
    `note`: a person's words, after the opening paragraph."""
    creditor = case.customer.creditor
    customer = case.customer
    consumer = customer.kind == CustomerKind.B2C
    deadline = sent_on + timedelta(days=period_days)
    paragraphs = [
        "MISE EN DEMEURE",
        f"Créancier : {_identity(creditor)}"
        + (f", RCS {creditor.rcs}" if creditor.rcs else "")
        + ".",
        f"Débiteur : {_identity(customer)}.",
        "Madame, Monsieur, malgré nos relances, les factures ci-dessous restent impayées à "
        "leur échéance.",
    ]
    if note.strip():
        paragraphs.append(note.strip())
    for line in breakdown.lines:
        inv = line.invoice
        paid = inv.total - line.principal
        rate = _rates(inv, sent_on)
        paragraphs.append(
            f"Facture n° {inv.number} du {_d(inv.issue_date)}, montant {_fmt(inv.total)}, "
            f"échéance {_d(inv.due_date)} ; paiements reçus : {_fmt(paid)} ; principal restant "
            f"dû : {_fmt(line.principal)} ; pénalités de retard"
            + (f" au taux de {rate}" if rate else "")
            + f" : {_fmt(line.interest)}"
            # a consumer owes no recovery indemnity (D441-5 is between professionals)
            + (
                ""
                if consumer
                else f" ; indemnité forfaitaire pour frais de recouvrement : {_fmt(line.indemnity)}"
            )
            + "."
        )
    paragraphs += [
        (
            f"Au {_d(sent_on)}, le principal s'élève à {_fmt(breakdown.principal)} et les "
            f"intérêts à {_fmt(breakdown.interest)}, soit un total de {_fmt(breakdown.total)}."
            if consumer
            else f"Au {_d(sent_on)}, le principal s'élève à {_fmt(breakdown.principal)}, les "
            f"pénalités de retard à {_fmt(breakdown.interest)} et les indemnités forfaitaires à "
            f"{_fmt(breakdown.indemnity)}, soit un total de {_fmt(breakdown.total)}."
        ),
        f"Par la présente, nous vous mettons en demeure de nous régler la somme de "
        f"{_fmt(breakdown.total)} dans un délai de {period_days} jours à compter de la "
        f"présente, soit au plus tard le {_d(deadline)}"
        + (f", par virement sur le compte IBAN {creditor.iban}" if creditor.iban else "")
        + ".",
        "À défaut de paiement dans ce délai, nous saisirons sans autre avis la juridiction "
        "compétente (requête en injonction de payer) pour obtenir le paiement de notre "
        "créance, et les intérêts de retard continueront de courir jusqu'au complet paiement.",
    ]
    if consumer:
        paragraphs.append(
            "La présente mise en demeure fait courir les intérêts au taux légal sur les sommes "
            "dues (articles 1231-6 et 1344-1 du Code civil)."
        )
    paragraphs += [
        f"Fait à {creditor.city or '…'}, le {_d(sent_on)}.",
        f"{signatory}, pour {creditor.legal_name} — signature :",
    ]
    rows = [
        Row(
            line.invoice.number,
            _d(line.invoice.issue_date),
            _d(line.invoice.due_date),
            str((sent_on - line.invoice.due_date).days),
            _fmt(line.total),
        )
        for line in breakdown.lines
    ]
    return Letter(
        lang="fr",
        sender=Sender(creditor.legal_name, _address(creditor)),
        address=address or [customer.legal_name, *_address(customer)],
        place_date=f"{creditor.city + ', ' if creditor.city else ''}le {_d(sent_on)}",
        subject=f"Mise en demeure de payer — {_fmt(breakdown.total)}",
        paragraphs=paragraphs,
        rows=rows,
        total=_fmt(breakdown.total),
        registered=True,
        footer=" — ".join(
            p
            for p in (creditor.legal_name, f"SIREN {creditor.siren}" if creditor.siren else "")
            if p
        ),
    )


@transaction.atomic
def record_notice(
    case: LegalCase,
    sent_on: date,
    period_days: int,
    signatory: str,
    *,
    user: Any = None,
    address: list[str] | None = None,
    note: str = "",
    dunning_key: str = "",
) -> FormalNotice:
    """Render and store the formal notice, add the `notice_sent` stage, set the deadline.

    `address`: the letter's address block (default: the customer's name and office);
    `note`: a paragraph of a person's own after the opening one;
    `dunning_key`: the dunning message sending it (relance.dunning.legal_steps), if any.
    """
    if period_days not in PERIODS:
        raise BadInput(f"period: {period_days} days; the notice gives 8 or 15 days to pay")
    if not signatory.strip():
        raise BadInput("signatory: who signs the notice (name and position)")
    if case.closed_on is not None:
        raise BadInput("this case is closed")
    breakdown = claim_breakdown(case, sent_on)
    if not breakdown.lines:
        raise BadInput(f"nothing is overdue for this customer on {sent_on}")
    deadline = sent_on + timedelta(days=period_days)
    letter = notice_letter(case, sent_on, period_days, signatory.strip(), breakdown, address, note)
    pdf = render_pdf(letter)
    record_event(
        case,
        Stage.NOTICE_SENT.value,
        sent_on,
        user=user,
        note=f"mise en demeure, {period_days} jours",
        document_name=f"mise-en-demeure-{sent_on.isoformat()}.pdf",
        document=pdf,
    )
    LegalCase.objects.filter(pk=case.pk).update(notice_deadline=deadline)
    case.notice_deadline = deadline
    return FormalNotice.objects.create(
        case=case,
        sent_on=sent_on,
        period_days=period_days,
        deadline=deadline,
        total_minor=breakdown.total.minor,
        signatory=signatory.strip()[:200],
        pdf=pdf,
        text="\n\n".join(letter.paragraphs),
        dunning_key=dunning_key,
        created_by=user,
    )


@transaction.atomic
def record_receipt(
    notice: FormalNotice, on: date, name: str, content: bytes, *, user: Any = None
) -> FormalNotice:
    """The acknowledgment of receipt: stored on the notice, and the `ack_received` stage."""
    _check_document(name or "(unnamed)", content)
    if on < notice.sent_on:
        raise BadInput("receipt: dated before the notice was sent")
    record_event(notice.case, Stage.ACK_RECEIVED.value, on, user=user, note="AR")
    notice.receipt_name = (name or "accuse-de-reception")[:200]
    notice.receipt = content
    notice.save(update_fields=["receipt_name", "receipt"])
    return notice


def total_of(notice: FormalNotice) -> Money:
    return Money.from_minor(notice.total_minor, notice.case.currency)
