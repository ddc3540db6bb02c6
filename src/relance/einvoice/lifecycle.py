"""Recording lifecycle statuses and their effects on collections (docs/einvoices.md).

- 207 disputed, 208 suspended, 210 refused: dunning is paused for the invoice (a
  `relance.dunning.models.Pause` with the status as reason, no end date). One pause at a
  time: a second pausing status while the first still holds adds no pause. 207 opens a
  dispute (`relance.negotiation.disputes`, source "einvoice", on the whole open amount)
  whose pause is that pause; an invoice already in a dispute, or with nothing open, gets
  no dispute (a plain pause when nothing holds it yet).
- 205 approved, 209 completed, 212 cashed: the pauses opened by earlier statuses of the
  invoice end the day before the lifting status (the pause stays in the history), and the
  dispute a 207 opened is resolved: withdrawn (205), corrected invoice (209), paid (212).
  A person may also lift them by hand (`lift_pauses`, API
  ``POST /invoices/{id}/lifecycle/lift``): the dispute is then resolved as rejected (the
  amount is due).
- 211 payment sent: the buyer says it has paid; shown on the invoice page, nothing changes
  in the ledger until the money is seen.
- 212 cashed: the legal "paid" signal. relance records a payment of the whole open amount,
  dated the status date, allocated to the invoice, source "einvoice" (external reference
  ``einvoice-212:<invoice id>:<date>``). A later bank statement line for the same money is then
  left unallocated and shows as such, rather than the invoice staying open against the
  platform's word. Nothing is recorded when nothing is open.

Recording is idempotent: the same status on the same date for the same invoice is kept
once (`recorded` is False the second time) and its effects are not repeated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from relance.core.errors import BadInput
from relance.dunning.models import Pause
from relance.einvoice.models import (
    CASHED,
    EINVOICE_SOURCE,
    LIFTING,
    PAUSING,
    EventSource,
    LifecycleEvent,
    LifecycleStatus,
)
from relance.ledger.models import Invoice, InvoiceStatus, Payment, PaymentMethod
from relance.ledger.services import allocate
from relance.negotiation.disputes import ACTIVE, open_dispute, resolve_for_pauses
from relance.negotiation.models import DisputeItem, DisputeReason, DisputeResolution, Source

CODES = frozenset(s.value for s in LifecycleStatus)


@dataclass(frozen=True)
class Recorded:
    event: LifecycleEvent
    recorded: bool  # False: the same status and date were already there
    paused: bool = False
    lifted: int = 0
    payment: Payment | None = None


def check_code(code: int) -> int:
    if code not in CODES:
        raise BadInput(f"{code} is not a lifecycle status (200 to 213)")
    return code


def record(
    invoice: Invoice,
    code: int,
    on: date,
    *,
    note: str = "",
    source: str = EventSource.MANUAL,
    user: Any = None,
) -> Recorded:
    """Record status `code` of `invoice` on `on` and apply its effects, all in one transaction."""
    check_code(code)
    if len(note) > 500:
        raise BadInput("the note is longer than 500 characters")
    who = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        existing = LifecycleEvent.objects.filter(invoice=invoice, code=code, date=on).first()
        if existing is not None:
            return Recorded(existing, recorded=False)
        event = LifecycleEvent(
            creditor_id=invoice.creditor_id,
            invoice=invoice,
            code=code,
            date=on,
            note=note,
            source=source,
            created_by=who,
        )
        paused = False
        lifted = 0
        payment = None
        if code in PAUSING and not _open_pauses(invoice, on).exists():
            label = LifecycleStatus(code).label
            reason = f"e-invoice status {label}" + (f": {note}" if note else "")
            event.pause = _dispute_pause(invoice, on, reason, who) if code == DISPUTED else None
            if event.pause is None and not (code == DISPUTED and _in_dispute(invoice)):
                event.pause = Pause.objects.create(
                    creditor_id=invoice.creditor_id,
                    invoice=invoice,
                    reason=reason[:200],
                    created_by=who,
                )
            paused = event.pause is not None
        if code == CASHED:
            # before the lift: the dispute a 207 opened is then resolved as paid
            payment = _cash(invoice, on, who)
            event.payment = payment
        if code in LIFTING:
            ended = []
            # One save per pause (not a bulk update) so that the audit log records each.
            for pause in _open_pauses(invoice, on):
                pause.until = on - timedelta(days=1)
                pause.save(update_fields=["until", "updated_at"])
                ended.append(pause.pk)
                lifted += 1
            label = LifecycleStatus(code).label
            resolve_for_pauses(ended, LIFTED_AS[code], on, f"e-invoice status {label}")
        event.save()
        return Recorded(event, recorded=True, paused=paused, lifted=lifted, payment=payment)


def lift_pauses(invoice: Invoice, on: date) -> int:
    """End, by hand, the pauses opened by the invoice's statuses: dunning resumes on `on`.

    Returns how many pauses were open. Pauses set otherwise are not this module's to lift.
    """
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        ended = []
        for pause in _open_pauses(invoice, on):
            pause.until = on - timedelta(days=1)
            pause.save(update_fields=["until", "updated_at"])
            ended.append(pause.pk)
        resolve_for_pauses(
            ended, DisputeResolution.REJECTED, on, "e-invoice status pause lifted by hand"
        )
        return len(ended)


#: How a lifting status resolves the dispute a 207 opened.
LIFTED_AS = {
    205: DisputeResolution.WITHDRAWN,
    209: DisputeResolution.CORRECTED_INVOICE,
    212: DisputeResolution.PAID,
}
DISPUTED = 207


def _in_dispute(invoice: Invoice) -> bool:
    return DisputeItem.objects.filter(invoice=invoice, dispute__status__in=ACTIVE).exists()


def _dispute_pause(invoice: Invoice, on: date, reason: str, user: Any) -> Pause | None:
    """Open a dispute on the whole open amount of `invoice` for a 207 status; its pause, or
    None when the invoice is already in a dispute or has nothing open."""
    if _in_dispute(invoice) or invoice.status != InvoiceStatus.ISSUED or invoice.open_minor <= 0:
        return None
    dispute = open_dispute(
        invoice.customer,
        items=[(invoice.pk, None)],
        reason=DisputeReason.OTHER,
        opened_on=on,
        user=user,
        description=reason,
        source=Source.EINVOICE,
    )
    item = dispute.items.get()
    return item.pause


def _open_pauses(invoice: Invoice, on: date) -> Any:
    """Pauses opened by this invoice's lifecycle statuses dated up to `on`, open on `on`."""
    events = LifecycleEvent.objects.filter(invoice=invoice, pause__isnull=False, date__lte=on)
    return Pause.objects.filter(pk__in=events.values("pause_id")).filter(
        Q(until__isnull=True) | Q(until__gte=on)
    )


def _cash(invoice: Invoice, on: date, user: Any) -> Payment | None:
    owed = invoice.total_incl_tax_minor - invoice.allocated_minor
    if owed <= 0 or invoice.status != InvoiceStatus.ISSUED:
        return None
    payment = Payment.objects.create(
        creditor_id=invoice.creditor_id,
        customer_id=invoice.customer_id,
        external_ref=f"einvoice-212:{invoice.pk}:{on.isoformat()}",
        date=on,
        currency=invoice.currency,
        amount_minor=owed,
        method=PaymentMethod.OTHER,
        reference=f"e-invoice status 212 (cashed) {invoice.number}",
        source=EINVOICE_SOURCE,
    )
    allocate(invoice, payment=payment, on=on, user=user, source=EINVOICE_SOURCE)
    return payment


def payment_announced(invoice: Invoice) -> LifecycleEvent | None:
    """The latest 211 status of the invoice when no 212 came after it, else None."""
    events = list(invoice.lifecycle_events.filter(code__in=(211, 212)).order_by("date", "id"))
    if events and events[-1].code == 211:
        return events[-1]
    return None
