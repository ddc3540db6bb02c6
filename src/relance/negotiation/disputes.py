"""Disputes: a customer contests invoices, or amounts of them (docs/negotiation.md, "Disputes").

    dispute = open_dispute(customer, items=[(invoice_id, None), (other_id, 20000)],
                           reason="quantity", opened_on=day, user=…, owner=…, due_on=…)
    change(dispute, status="in_progress", owner=…, due_on=…, user=…)
    resolve(dispute, "credit_note", on=day, credit_note=note, user=…)
    resolve_paid(creditor, day)          # the daily tick: disputes whose amount is paid

Each disputed invoice gets one `relance.dunning.models.Pause` that holds back the disputed
amount only: `amount_minor` is the disputed part, or None when the whole open amount is
disputed. The dunning run still reminds the rest of a partly disputed invoice (and says the
disputed part is not claimed); a wholly disputed invoice is held back with the reason.
Resolving a dispute ends its pauses: the last paused day is the day before the resolution.

Every refusal is a BadInput naming the field and why; nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from relance.accounts.models import Membership, Role
from relance.core.errors import BadInput
from relance.core.models import money
from relance.creditors.models import Creditor
from relance.customers.models import Customer
from relance.dunning.models import Pause
from relance.ledger.models import Allocation, CreditNote, Invoice, InvoiceStatus
from relance.negotiation.models import (
    Dispute,
    DisputeItem,
    DisputeReason,
    DisputeResolution,
    DisputeStatus,
    Note,
    Source,
)

#: Days given to resolve a dispute when no date is set (the worklist shows it then).
DISPUTE_DAYS = 30

#: Statuses of a dispute still open (its pauses hold).
ACTIVE = (DisputeStatus.OPEN, DisputeStatus.IN_PROGRESS)

#: An item asked for: (invoice id, disputed amount in minor units or None for all that is open).
ItemIn = tuple[int, int | None]


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _amount(minor: int, currency: str) -> str:
    return f"{money(minor, currency).amount} {currency}"


def active_disputes(creditor_id: int) -> QuerySet[Dispute]:
    """The creditor's disputes not resolved yet."""
    return Dispute.objects.filter(creditor_id=creditor_id, status__in=ACTIVE)


def _check_owner(customer: Customer, owner: Any) -> Any:
    if owner is None:
        return None
    can_act = (
        Membership.objects.filter(user_id=owner.pk, creditor_id=customer.creditor_id)
        .exclude(role=Role.READ_ONLY)
        .exists()
    )
    if not can_act:
        raise BadInput("owner: not a member of this creditor who may act on disputes")
    return owner


def _items(customer: Customer, wanted: Sequence[ItemIn]) -> list[tuple[Invoice, int, bool]]:
    """(invoice, disputed minor, whole open amount?) for each item, locked; BadInput if not."""
    if not wanted:
        raise BadInput("invoices: a dispute names at least one invoice")
    ids = [pk for pk, _minor in wanted]
    twice = sorted({pk for pk in ids if ids.count(pk) > 1})
    if twice:
        raise BadInput(f"invoices: named more than once: {', '.join(map(str, twice))}")
    found = {
        i.pk: i
        for i in Invoice.objects.select_for_update()
        .filter(pk__in=ids, customer=customer)
        .order_by("pk")
    }
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise BadInput(f"invoices: not invoices of this customer: {', '.join(map(str, missing))}")
    currencies = {found[pk].currency for pk in ids}
    if len(currencies) > 1:
        raise BadInput(
            f"invoices: a dispute is in one currency, these are in {', '.join(sorted(currencies))}"
        )
    taken = dict(
        DisputeItem.objects.filter(invoice_id__in=ids, dispute__status__in=ACTIVE).values_list(
            "invoice_id", "dispute_id"
        )
    )
    out: list[tuple[Invoice, int, bool]] = []
    for pk, minor in wanted:
        invoice = found[pk]
        if invoice.status != InvoiceStatus.ISSUED or invoice.open_minor <= 0:
            raise BadInput(f"invoices: {invoice.number} is not open (nothing is left to pay)")
        if pk in taken:
            raise BadInput(f"invoices: {invoice.number} is already in dispute #{taken[pk]}")
        if minor is None:
            minor = invoice.open_minor
        if minor <= 0:
            raise BadInput(f"amount of {invoice.number}: a disputed amount is greater than zero")
        if minor > invoice.open_minor:
            raise BadInput(
                f"amount of {invoice.number}: {_amount(minor, invoice.currency)} is more than "
                f"its open amount ({_amount(invoice.open_minor, invoice.currency)})"
            )
        out.append((invoice, minor, minor == invoice.open_minor))
    return out


def pause_reason(dispute: Dispute) -> str:
    what = dispute.description.strip() or DisputeReason(dispute.reason).label
    return f"dispute #{dispute.pk}: {what}"[:200]


@transaction.atomic
def open_dispute(
    customer: Customer,
    *,
    items: Iterable[ItemIn],
    reason: str,
    opened_on: date,
    user: Any = None,
    owner: Any = None,
    due_on: date | None = None,
    description: str = "",
    source: str = Source.MANUAL,
    note: str = "",
) -> Dispute:
    """Open a dispute on `items` and pause dunning on the disputed amounts (BadInput if not)."""
    if reason not in DisputeReason.values:
        raise BadInput(f"reason: '{reason}' is not one of {', '.join(DisputeReason.values)}")
    if source not in Source.values:
        raise BadInput(f"source: '{source}' is not one of {', '.join(Source.values)}")
    due_on = due_on or opened_on + timedelta(days=DISPUTE_DAYS)
    if due_on < opened_on:
        raise BadInput(
            f"due_on: {due_on.isoformat()} is before the day the dispute is opened "
            f"({opened_on.isoformat()})"
        )
    owner = _check_owner(customer, owner)
    checked = _items(customer, list(items))
    who = _user(user)
    dispute = Dispute.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        currency=checked[0][0].currency,
        reason=reason,
        description=description.strip(),
        opened_on=opened_on,
        due_on=due_on,
        owner=owner,
        source=source,
        created_by=who,
    )
    text = pause_reason(dispute)
    for invoice, minor, whole in checked:
        pause = Pause.objects.create(
            creditor_id=customer.creditor_id,
            invoice=invoice,
            reason=text,
            amount_minor=None if whole else minor,
            created_by=who,
        )
        DisputeItem.objects.create(
            dispute=dispute, invoice=invoice, amount_minor=minor, pause=pause
        )
    if note.strip():
        Note.objects.create(
            creditor_id=customer.creditor_id,
            customer=customer,
            dispute=dispute,
            text=note.strip(),
            author=who,
        )
    return dispute


def _locked(dispute: Dispute) -> Dispute:
    found = Dispute.objects.select_for_update().filter(pk=dispute.pk).first()
    if found is None:
        raise BadInput(f"dispute #{dispute.pk} no longer exists")
    return found


_UNSET: Any = object()


@transaction.atomic
def change(
    dispute: Dispute,
    *,
    status: str | None = None,
    owner: Any = _UNSET,
    due_on: date | None = None,
    user: Any = None,
) -> Dispute:
    """Move an unresolved dispute to `status` (open → in_progress), set its owner (None: no
    owner) or the date to resolve it by. Resolving goes through `resolve`."""
    del user  # the audit log records who changed what
    row = _locked(dispute)
    if row.status == DisputeStatus.RESOLVED:
        raise BadInput(f"dispute #{row.pk} is resolved: it cannot be changed any more")
    fields: list[str] = []
    if status is not None and status != row.status:
        if status == DisputeStatus.RESOLVED:
            raise BadInput("status: a dispute is resolved with a resolution (resolve)")
        if status not in DisputeStatus.values:
            raise BadInput(f"status: '{status}' is not one of open, in_progress")
        if status == DisputeStatus.OPEN:
            raise BadInput("status: a dispute being investigated does not go back to open")
        row.status = status
        fields.append("status")
    if owner is not _UNSET and (owner.pk if owner else None) != row.owner_id:
        row.owner = _check_owner(row.customer, owner)
        fields.append("owner")
    if due_on is not None and due_on != row.due_on:
        if due_on < row.opened_on:
            raise BadInput(
                f"due_on: {due_on.isoformat()} is before the day the dispute was opened "
                f"({row.opened_on.isoformat()})"
            )
        row.due_on = due_on
        fields.append("due_on")
    if not fields:
        raise BadInput("nothing to change")
    row.save(update_fields=[*fields, "updated_at"])
    return row


def end_pauses(dispute: Dispute, on: date) -> int:
    """End the dispute's pauses still holding on `on`: the last paused day is the day before.

    One save per pause (not a bulk update) so that the audit log records each."""
    pauses = Pause.objects.filter(
        pk__in=DisputeItem.objects.filter(dispute=dispute, pause__isnull=False).values("pause_id")
    ).filter(Q(until__isnull=True) | Q(until__gte=on))
    ended = 0
    for pause in pauses:
        pause.until = on - timedelta(days=1)
        pause.save(update_fields=["until", "updated_at"])
        ended += 1
    return ended


def _credit_note_applies(note: CreditNote, invoice_ids: set[int]) -> bool:
    if note.invoice_id in invoice_ids:
        return True
    return Allocation.objects.filter(credit_note=note, invoice_id__in=invoice_ids).exists()


def _still_open(dispute: Dispute) -> list[Invoice]:
    return list(
        Invoice.objects.filter(
            pk__in=dispute.items.values("invoice_id"),
            status=InvoiceStatus.ISSUED,
            open_minor__gt=0,
        ).order_by("pk")
    )


@transaction.atomic
def resolve(
    dispute: Dispute,
    resolution: str,
    *,
    on: date,
    user: Any = None,
    note: str = "",
    credit_note: CreditNote | None = None,
    corrected_invoice: Invoice | None = None,
) -> Dispute:
    """Resolve an open dispute and end its pauses (dunning resumes on `on` for whatever is
    still open). BadInput says why a resolution is refused."""
    row = _locked(dispute)
    if row.status == DisputeStatus.RESOLVED:
        raise BadInput(
            f"dispute #{row.pk} is already resolved ({row.resolution}, "
            f"{row.resolved_on.isoformat() if row.resolved_on else ''})"
        )
    if resolution not in DisputeResolution.values:
        raise BadInput(
            f"resolution: '{resolution}' is not one of {', '.join(DisputeResolution.values)}"
        )
    if on < row.opened_on:
        raise BadInput(
            f"on: {on.isoformat()} is before the day the dispute was opened "
            f"({row.opened_on.isoformat()})"
        )
    invoice_ids = set(row.items.values_list("invoice_id", flat=True))
    if resolution == DisputeResolution.CREDIT_NOTE:
        if credit_note is None:
            raise BadInput("credit_note: the resolution 'credit_note' needs the credit note issued")
        if credit_note.customer_id != row.customer_id:
            raise BadInput(
                f"credit_note: {credit_note.number} is not a credit note of this customer"
            )
        if credit_note.currency != row.currency:
            raise BadInput(
                f"credit_note: {credit_note.number} is in {credit_note.currency}, "
                f"the dispute in {row.currency}"
            )
        if not _credit_note_applies(credit_note, invoice_ids):
            raise BadInput(
                f"credit_note: {credit_note.number} does not apply to the disputed invoices "
                "(it neither corrects nor is allocated to any of them)"
            )
    elif credit_note is not None:
        raise BadInput("credit_note: only with the resolution 'credit_note'")
    if corrected_invoice is not None:
        if resolution != DisputeResolution.CORRECTED_INVOICE:
            raise BadInput("corrected_invoice: only with the resolution 'corrected_invoice'")
        if corrected_invoice.customer_id != row.customer_id:
            raise BadInput(
                f"corrected_invoice: {corrected_invoice.number} is not an invoice of this customer"
            )
        if corrected_invoice.pk in invoice_ids:
            raise BadInput(
                f"corrected_invoice: {corrected_invoice.number} is one of the disputed invoices"
            )
    if resolution == DisputeResolution.PAID:
        left = _still_open(row)
        if left:
            raise BadInput(
                "resolution: 'paid' while "
                + ", ".join(
                    f"{i.number} has {_amount(i.open_minor, i.currency)} open" for i in left
                )
            )
    row.status = DisputeStatus.RESOLVED
    row.resolution = resolution
    row.resolved_on = on
    row.resolution_note = note.strip()
    row.credit_note = credit_note
    row.corrected_invoice = corrected_invoice
    row.save(
        update_fields=[
            "status",
            "resolution",
            "resolved_on",
            "resolution_note",
            "credit_note",
            "corrected_invoice",
            "updated_at",
        ]
    )
    end_pauses(row, on)
    who = _user(user)
    if note.strip():
        Note.objects.create(
            creditor_id=row.creditor_id,
            customer_id=row.customer_id,
            dispute=row,
            text=note.strip(),
            author=who,
        )
    return row


def resolve_paid(creditor: Creditor | int, day: date) -> int:
    """Resolve ("paid") the creditor's open disputes whose invoices have nothing left to pay on
    `day`; returns how many. Idempotent: a resolved dispute is left as it is, so the daily
    tick may run it any number of times.

    Payments go to the undisputed part of an invoice first: a partly disputed invoice counts
    as paid when nothing of it is open any more.
    """
    creditor_id = creditor if isinstance(creditor, int) else creditor.pk
    candidates = active_disputes(creditor_id).filter(opened_on__lte=day)
    unpaid = DisputeItem.objects.filter(
        dispute__in=candidates, invoice__status=InvoiceStatus.ISSUED, invoice__open_minor__gt=0
    ).values("dispute_id")
    done = 0
    for pk in candidates.exclude(pk__in=unpaid).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            row = Dispute.objects.select_for_update().filter(pk=pk, status__in=ACTIVE).first()
            if row is None or _still_open(row):
                continue  # resolved or changed meanwhile
            row.status = DisputeStatus.RESOLVED
            row.resolution = DisputeResolution.PAID
            row.resolved_on = day
            row.resolution_note = "nothing left to pay on the disputed invoices"
            row.save(
                update_fields=[
                    "status",
                    "resolution",
                    "resolved_on",
                    "resolution_note",
                    "updated_at",
                ]
            )
            end_pauses(row, day)
            done += 1
    return done


def disputed_amounts(invoice_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """invoice id → (dispute id, disputed minor) for the invoices in an unresolved dispute."""
    return {
        invoice_id: (dispute_id, minor)
        for invoice_id, dispute_id, minor in DisputeItem.objects.filter(
            invoice_id__in=list(invoice_ids), dispute__status__in=ACTIVE
        ).values_list("invoice_id", "dispute_id", "amount_minor")
    }


def resolve_for_pauses(pause_ids: Iterable[int], resolution: str, on: date, note: str) -> int:
    """Resolve the unresolved disputes holding any of these pauses (an e-invoice status that
    lifts them, a person lifting them by hand); returns how many."""
    ids = list(pause_ids)
    if not ids:
        return 0
    done = 0
    disputes = Dispute.objects.filter(status__in=ACTIVE, items__pause_id__in=ids).distinct()
    for dispute in disputes.order_by("pk"):
        resolve(dispute, resolution, on=max(on, dispute.opened_on), note=note)
        done += 1
    return done
