"""The evidence file of one customer: everything relance sent and recorded, in one zip.

    result = export_evidence(customer)     # result.content: the zip; result.tampered: ids

The zip holds:

- `index.pdf`: the letterhead, the customer, a chronology and the SHA-256 of every archived
  message with the result of its check;
- `index.json`: the same entries as data (for a machine, or a court expert);
- `messages/NNNN-<date>-<channel>.txt`: each archived message (recipient, time, status,
  backend, provider id, the stored and the recomputed SHA-256, each attachment's name, type,
  size and SHA-256 stored and recomputed, subject and body), and next to it every file it
  carried (`…-<position>-<name>`: a letter, a statement, invoices), exactly as archived;
- `invoices/<number>.pdf`: the invoices' own PDFs when the ledger has them;
- `penalty-invoices/<number>.pdf`: the penalty invoices as issued (Factur-X XML embedded);
- `notices/<date>-<id>-mise-en-demeure.pdf`: each formal notice, and its signed
  acknowledgment of receipt when recorded;
- `ledger.csv`: invoices, payments, credit notes and their allocations.

Entries run in chronological order: invoices issued, payments and credit notes, allocations,
pauses, decisions and edits in the review queue, manual sends, penalty invoices (and their
waiving), legal cases with their stages and formal notices, messages sent. Every archived
message's hash, and each attachment's, is recomputed from its content while the file is built:
a row whose content or any attachment no longer matches its hash is listed in `tampered` and
marked as altered in both indexes (the file is still produced — the alteration is itself
evidence).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone, translation

from relance.channels.letter.pdf import Letter, Table, render_pdf
from relance.channels.models import Correspondence
from relance.core.models import money
from relance.customers.models import Customer
from relance.domain import legal_case as lc
from relance.dunning.messages import _day, _letterhead, _money, postal_block
from relance.dunning.models import Action, Pause
from relance.ledger.models import Allocation, CreditNote, Invoice, Payment
from relance.legal.models import (
    ROUTE_LABELS,
    STAGE_LABELS,
    LegalCase,
    PenaltyInvoice,
    PenaltyStatus,
)

#: a fixed time in the zip entries: the same data gives the same file
ZIP_TIME = (2000, 1, 1, 0, 0, 0)

LABELS: dict[str, dict[str, Any]] = {
    "fr": {
        "subject": "Dossier de preuves – {customer} – au {today}",
        "intro": (
            "Ce dossier rassemble, dans l'ordre chronologique, les factures, règlements, "
            "avoirs et affectations de ce client, les suspensions et décisions de relance, "
            "et chaque message archivé avec son empreinte SHA-256 et celle de chacune de ses "
            "pièces jointes (numérotées 1.1, 1.2…), vérifiées à la création du dossier."
        ),
        "events": "Chronologie",
        "event_headers": ["Date", "Événement"],
        "hashes": "Messages archivés et empreintes SHA-256",
        "hash_headers": ["N°", "SHA-256", "Contrôle"],
        "ok": "conforme",
        "tampered": "ALTÉRÉ",
        "summary": "{n} messages archivés ; {bad} altéré(s).",
    },
    "en": {
        "subject": "Evidence file – {customer} – as at {today}",
        "intro": (
            "This file gathers, in chronological order, the invoices, payments, credit notes "
            "and allocations of this customer, the pauses and dunning decisions, and every "
            "archived message with its SHA-256 and that of each of its attachments (numbered "
            "1.1, 1.2…), checked when the file was built."
        ),
        "events": "Chronology",
        "event_headers": ["Date", "Event"],
        "hashes": "Archived messages and SHA-256 hashes",
        "hash_headers": ["No.", "SHA-256", "Check"],
        "ok": "intact",
        "tampered": "ALTERED",
        "summary": "{n} archived messages; {bad} altered.",
    },
}


#: the chronology's sentences
PHRASES: dict[str, dict[str, str]] = {
    "fr": {
        "invoice": "facture {number} émise : {total}, échéance le {due}",
        "payment": "règlement {ref} reçu : {amount}",
        "credit_note": "avoir {number} : {amount}",
        "by_payment": "règlement {ref}",
        "by_credit_note": "avoir {number}",
        "allocation": "{source} affecté à la facture {number} : {amount}",
        "the_invoice": "facture {number}",
        "the_customer": "client",
        "until": " jusqu'au {day}",
        "by": " par {who}",
        "pause": "{what} suspendu{until}{who} : {reason}",
        "action": "action {pk} ({step}, {channel})",
        "manual": "{label} demandée par {who}",
        "edit": "{label} modifiée par {who} : {changes} ({reason})",
        "approved": "{label} validée par {who}",
        "skipped": "{label} écartée par {who}",
        "message": "message {n} : {channel} à {to} – {subject} ({status})",
        "penalty_invoice": (
            "facture de pénalités {number} émise : {total} (intérêts {interest}, "
            "indemnités {indemnity})"
        ),
        "penalty_waived": "facture de pénalités {number} annulée par {who} : {reason}",
        "case_opened": "dossier contentieux n° {pk} ouvert ({route})",
        "stage": "dossier n° {pk} : {stage}{note}",
        "notice": (
            "mise en demeure du dossier n° {pk} : {total} à régler au plus tard le {deadline}"
        ),
    },
    "en": {
        "invoice": "invoice {number} issued: {total}, due {due}",
        "payment": "payment {ref} received: {amount}",
        "credit_note": "credit note {number}: {amount}",
        "by_payment": "payment {ref}",
        "by_credit_note": "credit note {number}",
        "allocation": "{source} allocated to invoice {number}: {amount}",
        "the_invoice": "invoice {number}",
        "the_customer": "customer",
        "until": " until {day}",
        "by": " by {who}",
        "pause": "{what} paused{until}{who}: {reason}",
        "action": "action {pk} ({step}, {channel})",
        "manual": "{label} asked for by {who}",
        "edit": "{label} edited by {who}: {changes} ({reason})",
        "approved": "{label} approved by {who}",
        "skipped": "{label} skipped by {who}",
        "message": "message {n}: {channel} to {to} – {subject} ({status})",
        "penalty_invoice": (
            "penalty invoice {number} issued: {total} (interest {interest}, "
            "indemnities {indemnity})"
        ),
        "penalty_waived": "penalty invoice {number} waived by {who}: {reason}",
        "case_opened": "legal case no. {pk} opened ({route})",
        "stage": "case no. {pk}: {stage}{note}",
        "notice": "formal notice of case no. {pk}: {total} to pay by {deadline}",
    },
}


def _say(lang: str, key: str, **values: object) -> str:
    return PHRASES[lang][key].format(**values)


@dataclass(frozen=True, slots=True)
class Entry:
    at: str  # ISO date or timestamp: the sort key
    kind: str  # invoice, payment, credit_note, allocation, pause, decision, edit, message
    text: str
    ref: str = ""
    sha256: str = ""
    computed_sha256: str = ""
    intact: bool | None = None
    files: list[str] = field(default_factory=list)
    #: a message's attachments: file name, type, size, stored and computed SHA-256, zip entry
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Evidence:
    content: bytes
    entries: list[Entry]
    tampered: list[int]  # ids of Correspondence rows whose content no longer matches


def _stamp(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _ledger(customer: Customer, lang: str) -> tuple[list[Entry], list[list[str]], dict[str, bytes]]:
    entries: list[Entry] = []
    rows: list[list[str]] = [["type", "number", "date", "due_date", "currency", "amount", "open"]]
    files: dict[str, bytes] = {}
    for inv in Invoice.objects.filter(customer=customer).order_by("issue_date", "id"):
        total = _money(inv.total_incl_tax_minor, inv.currency, lang)
        name = ""
        if inv.pdf:
            name = f"invoices/{inv.number}.pdf"
            with inv.pdf.open("rb") as handle:
                files[name] = handle.read()
        entries.append(
            Entry(
                inv.issue_date.isoformat(),
                "invoice",
                _say(lang, "invoice", number=inv.number, total=total, due=_day(inv.due_date, lang)),
                inv.number,
                files=[name] if name else [],
            )
        )
        rows.append(
            [
                "invoice",
                inv.number,
                inv.issue_date.isoformat(),
                inv.due_date.isoformat(),
                inv.currency,
                str(money(inv.total_incl_tax_minor, inv.currency).amount),
                str(money(inv.open_minor, inv.currency).amount),
            ]
        )
    for p in Payment.objects.filter(customer=customer).order_by("date", "id"):
        amount = _money(p.amount_minor, p.currency, lang)
        ref = p.reference or p.external_ref or f"#{p.pk}"
        entries.append(
            Entry(p.date.isoformat(), "payment", _say(lang, "payment", ref=ref, amount=amount))
        )
        rows.append(
            [
                "payment",
                ref,
                p.date.isoformat(),
                "",
                p.currency,
                str(money(p.amount_minor, p.currency).amount),
                str(money(p.amount_minor - p.allocated_minor, p.currency).amount),
            ]
        )
    for n in CreditNote.objects.filter(customer=customer).order_by("issue_date", "id"):
        amount = _money(n.total_incl_tax_minor, n.currency, lang)
        entries.append(
            Entry(
                n.issue_date.isoformat(),
                "credit_note",
                _say(lang, "credit_note", number=n.number, amount=amount),
            )
        )
        rows.append(
            [
                "credit_note",
                n.number,
                n.issue_date.isoformat(),
                "",
                n.currency,
                str(money(n.total_incl_tax_minor, n.currency).amount),
                str(money(n.total_incl_tax_minor - n.allocated_minor, n.currency).amount),
            ]
        )
    allocations = (
        Allocation.objects.filter(invoice__customer=customer)
        .select_related("invoice", "payment", "credit_note")
        .order_by("date", "id")
    )
    for a in allocations:
        source = (
            _say(
                lang,
                "by_payment",
                ref=a.payment.reference or a.payment.external_ref or f"#{a.payment.pk}",
            )
            if a.payment is not None
            else _say(lang, "by_credit_note", number=a.credit_note.number if a.credit_note else "")
        )
        amount = _money(a.amount_minor, a.invoice.currency, lang)
        entries.append(
            Entry(
                a.date.isoformat(),
                "allocation",
                _say(lang, "allocation", source=source, number=a.invoice.number, amount=amount),
            )
        )
        rows.append(
            [
                "allocation",
                f"{a.invoice.number} <- {source}",
                a.date.isoformat(),
                "",
                a.invoice.currency,
                str(money(a.amount_minor, a.invoice.currency).amount),
                "",
            ]
        )
    return entries, rows, files


def _dunning(customer: Customer, lang: str) -> list[Entry]:
    entries: list[Entry] = []
    pauses = Pause.objects.filter(customer=customer) | Pause.objects.filter(
        invoice__customer=customer
    )
    for pause in pauses.select_related("invoice", "created_by").order_by("created_at", "id"):
        what = (
            _say(lang, "the_invoice", number=pause.invoice.number)
            if pause.invoice
            else _say(lang, "the_customer")
        )
        until = _say(lang, "until", day=_day(pause.until, lang)) if pause.until else ""
        who = _say(lang, "by", who=pause.created_by.get_username()) if pause.created_by else ""
        entries.append(
            Entry(
                _stamp(pause.created_at),
                "pause",
                _say(lang, "pause", what=what, until=until, who=who, reason=pause.reason),
            )
        )
    actions = Action.objects.filter(customer=customer).select_related("decided_by", "created_by")
    for action in actions.order_by("created_at", "id"):
        label = _say(lang, "action", pk=action.pk, step=action.step_key, channel=action.channel)
        if action.created_by is not None:
            entries.append(
                Entry(
                    _stamp(action.created_at),
                    "manual",
                    _say(lang, "manual", label=label, who=action.created_by.get_username()),
                )
            )
        for edit in action.edits:
            changes = ", ".join(f"{k}: {a} → {b}" for k, (a, b) in edit["changes"].items())
            entries.append(
                Entry(
                    edit["at"],
                    "edit",
                    _say(
                        lang,
                        "edit",
                        label=label,
                        who=edit["by"],
                        changes=changes,
                        reason=edit["reason"],
                    ),
                )
            )
        if action.decided_at is not None:
            who = action.decided_by.get_username() if action.decided_by else "?"
            skipped = action.status == "skipped"
            reason = f" : {action.reason}" if lang == "fr" else f": {action.reason}"
            reason = reason if skipped and action.reason else ""
            entries.append(
                Entry(
                    _stamp(action.decided_at),
                    "decision",
                    _say(lang, "skipped" if skipped else "approved", label=label, who=who) + reason,
                )
            )
    return entries


def _label(label: Any, lang: str) -> str:
    """A translated label in the file's language (not the request's)."""
    with translation.override(lang):
        return str(label)


def _legal(customer: Customer, lang: str) -> tuple[list[Entry], dict[str, bytes]]:
    """Penalty invoices (with their PDF, Factur-X included), legal cases and their stages,
    formal notices (with their PDF and signed acknowledgment)."""
    entries: list[Entry] = []
    files: dict[str, bytes] = {}
    penalties = PenaltyInvoice.objects.filter(customer=customer).select_related("waived_by")
    for pi in penalties.order_by("issued_on", "id"):
        name = f"penalty-invoices/{pi.number}.pdf"
        if pi.pdf is not None:
            files[name] = bytes(pi.pdf)
        entries.append(
            Entry(
                _stamp(pi.created_at),
                "penalty_invoice",
                _say(
                    lang,
                    "penalty_invoice",
                    number=pi.number,
                    total=_money(pi.total_minor, pi.currency, lang),
                    interest=_money(pi.interest_minor, pi.currency, lang),
                    indemnity=_money(pi.indemnity_minor, pi.currency, lang),
                ),
                pi.number,
                files=[name] if name in files else [],
            )
        )
        if pi.status == PenaltyStatus.WAIVED and pi.waived_at is not None:
            who = pi.waived_by.get_username() if pi.waived_by else "?"
            entries.append(
                Entry(
                    _stamp(pi.waived_at),
                    "penalty_waived",
                    _say(
                        lang,
                        "penalty_waived",
                        number=pi.number,
                        who=who,
                        reason=pi.waived_reason,
                    ),
                    pi.number,
                )
            )
    cases = LegalCase.objects.filter(customer=customer).prefetch_related("events", "notices")
    for case in cases.order_by("opened_on", "id"):
        route = _label(ROUTE_LABELS[lc.Route(case.route)], lang)
        entries.append(
            Entry(
                case.opened_on.isoformat(),
                "legal_case",
                _say(lang, "case_opened", pk=case.pk, route=route),
                str(case.pk),
            )
        )
        for event in case.events.all():
            note = f" ({event.note})" if event.note else ""
            entries.append(
                Entry(
                    event.on.isoformat(),
                    "legal_stage",
                    _say(
                        lang,
                        "stage",
                        pk=case.pk,
                        stage=_label(STAGE_LABELS[lc.Stage(event.stage)], lang),
                        note=note,
                    ),
                    str(case.pk),
                )
            )
        for notice in case.notices.all():
            names = []
            stem = f"notices/{notice.sent_on.isoformat()}-{notice.pk}"
            if notice.pdf is not None:
                files[f"{stem}-mise-en-demeure.pdf"] = bytes(notice.pdf)
                names.append(f"{stem}-mise-en-demeure.pdf")
            if notice.receipt is not None:
                receipt = notice.receipt_name or "accuse-de-reception"
                files[f"{stem}-{receipt}"] = bytes(notice.receipt)
                names.append(f"{stem}-{receipt}")
            entries.append(
                Entry(
                    notice.sent_on.isoformat(),
                    "formal_notice",
                    _say(
                        lang,
                        "notice",
                        pk=case.pk,
                        total=_money(notice.total_minor, case.currency, lang),
                        deadline=_day(notice.deadline, lang),
                    ),
                    str(case.pk),
                    files=names,
                )
            )
    return entries, files


def _safe(name: str) -> str:
    """A file name safe inside the zip (invoice numbers may hold slashes)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned or "attachment"


def _messages(customer: Customer, lang: str) -> tuple[list[Entry], dict[str, bytes], list[int]]:
    entries: list[Entry] = []
    files: dict[str, bytes] = {}
    tampered: list[int] = []
    archive = (
        Correspondence.objects.filter(customer=customer)
        .prefetch_related("attachments")
        .order_by("sent_at", "id")
    )
    for n, row in enumerate(archive, start=1):
        checked = row.verify()
        if not checked.intact:
            tampered.append(row.pk)
        stem = f"messages/{n:04d}-{row.sent_at:%Y%m%d}-{row.channel}"
        names = [f"{stem}.txt"]
        listed: list[str] = []
        attachments: list[dict[str, Any]] = []
        for item in checked.attachments:
            file = item.attachment
            name = f"{stem}-{file.position}-{_safe(file.filename)}"
            files[name] = bytes(file.content)
            names.append(name)
            listed += [
                f"Attachment {file.position}: {file.filename} ({file.mimetype}, {file.size} bytes)",
                f"  SHA-256 archived: {file.sha256}",
                f"  SHA-256 computed: {item.computed_sha256}"
                + ("" if item.intact else "  (ALTERED)"),
            ]
            attachments.append(
                {
                    "position": file.position,
                    "filename": file.filename,
                    "mimetype": file.mimetype,
                    "size": file.size,
                    "sha256": file.sha256,
                    "computed_sha256": item.computed_sha256,
                    "intact": item.intact,
                    "file": name,
                }
            )
        header = [
            f"Channel: {row.channel}",
            f"Recipient: {row.recipient_name} <{row.recipient}>".replace("\n", " / "),
            f"Sent at: {_stamp(row.sent_at)}",
            f"Delivery status: {row.delivery_status}",
            f"Backend: {row.backend} {row.provider_id}".rstrip(),
            f"Idempotency key: {row.idempotency_key}",
            f"SHA-256 archived: {row.sha256} (version {row.hash_version})",
            f"SHA-256 computed: {checked.computed_sha256}"
            + ("" if checked.message_intact else "  (ALTERED)"),
            *(listed or ["Attachments: none"]),
            f"Subject: {row.subject}",
            "",
        ]
        files[f"{stem}.txt"] = ("\n".join(header) + row.body).encode("utf-8")
        entries.append(
            Entry(
                _stamp(row.sent_at),
                "message",
                _say(
                    lang,
                    "message",
                    n=n,
                    channel=row.channel,
                    to=row.recipient_name or row.recipient,
                    subject=row.subject,
                    status=row.delivery_status,
                ).replace("\n", " / "),
                str(n),
                row.sha256,
                checked.computed_sha256,
                checked.intact,
                names,
                attachments,
            )
        )
    return entries, files, tampered


def _index_pdf(customer: Customer, entries: list[Entry], lang: str, today: date) -> bytes:
    labels = LABELS[lang]
    sender, footer, place_date = _letterhead(customer.creditor, lang, _day(today, lang))
    messages = [e for e in entries if e.kind == "message"]
    bad = sum(1 for e in messages if not e.intact)
    return render_pdf(
        Letter(
            lang=lang,
            sender=sender,
            address=postal_block(customer, None).splitlines(),
            place_date=place_date,
            subject=labels["subject"].format(customer=customer.legal_name, today=_day(today, lang)),
            paragraphs=[labels["intro"], labels["summary"].format(n=len(messages), bad=bad)],
            footer=footer,
            tables=[
                Table(
                    labels["events"],
                    labels["event_headers"],
                    [[e.at[:16].replace("T", " "), e.text] for e in entries],
                ),
                Table(
                    labels["hashes"],
                    labels["hash_headers"],
                    [
                        row
                        for e in messages
                        for row in [
                            [e.ref, e.computed_sha256, labels["ok" if e.intact else "tampered"]],
                            *(
                                [
                                    f"{e.ref}.{a['position']}",
                                    a["computed_sha256"],
                                    labels["ok" if a["intact"] else "tampered"],
                                ]
                                for a in e.attachments
                            ),
                        ]
                    ],
                ),
            ],
        )
    )


def export_evidence(customer: Customer, *, today: date | None = None) -> Evidence:
    """Build the evidence zip of `customer` (see the module docstring)."""
    lang = customer.language if customer.language in LABELS else "fr"
    today = today or timezone.localdate()
    ledger_entries, ledger_rows, files = _ledger(customer, lang)
    message_entries, message_files, tampered = _messages(customer, lang)
    files.update(message_files)
    legal_entries, legal_files = _legal(customer, lang)
    files.update(legal_files)
    entries = sorted(
        ledger_entries + _dunning(customer, lang) + legal_entries + message_entries,
        key=lambda e: (e.at[:10], e.at),
    )
    buffer = io.StringIO()
    csv.writer(buffer).writerows(ledger_rows)
    files["ledger.csv"] = buffer.getvalue().encode("utf-8")
    files["index.json"] = json.dumps(
        {
            "customer": {"id": customer.pk, "name": customer.legal_name},
            "built_on": today.isoformat(),
            "tampered": tampered,
            "entries": [asdict(e) for e in entries],
        },
        ensure_ascii=False,
        indent=1,
    ).encode("utf-8")
    files["index.pdf"] = _index_pdf(customer, entries, lang, today)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ["index.pdf", "index.json", *sorted(set(files) - {"index.pdf", "index.json"})]:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return Evidence(out.getvalue(), entries, tampered)
