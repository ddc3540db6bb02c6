"""Write side of the ledger: allocations (lettrage) between payments, credit notes and invoices.

Use cases are called explicitly by views, API endpoints, imports and commands.
The database triggers keep balances; these functions check what a person can
act on (same customer, same currency, amount available) and say why they refuse.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction

from relance.core.errors import BadInput
from relance.core.models import Source
from relance.domain.money import Money
from relance.ledger.models import Allocation, CreditNote, Invoice, InvoiceStatus, Payment


def allocate(
    invoice: Invoice,
    *,
    payment: Payment | None = None,
    credit_note: CreditNote | None = None,
    amount: Money | None = None,
    on: date | None = None,
    user: object | None = None,
    source: str = Source.MANUAL,
) -> Allocation:
    """Apply (part of) a payment or credit note to `invoice`.

    `amount` defaults to the smaller of what the invoice still owes and what the
    payment or credit note has left. Raises BadInput with the reason otherwise.
    """
    if (payment is None) == (credit_note is None):
        raise BadInput("an allocation takes exactly one payment or one credit note")
    origin = payment if payment is not None else credit_note
    assert origin is not None
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if payment is not None:
            origin = Payment.objects.select_for_update().get(pk=payment.pk)
            available = origin.amount_minor - origin.allocated_minor
            when = on or origin.date
        else:
            assert credit_note is not None
            origin = CreditNote.objects.select_for_update().get(pk=credit_note.pk)
            available = origin.total_incl_tax_minor - origin.allocated_minor
            when = on or origin.issue_date
        if origin.creditor_id != invoice.creditor_id:
            raise BadInput("the invoice and the payment belong to different creditors")
        if origin.customer_id is not None and origin.customer_id != invoice.customer_id:
            raise BadInput(
                f"invoice {invoice.number} belongs to another customer than this "
                f"{'payment' if payment else 'credit note'}"
            )
        if origin.currency != invoice.currency:
            raise BadInput(
                f"currency mismatch: invoice {invoice.number} is in {invoice.currency}, "
                f"the {'payment' if payment else 'credit note'} in {origin.currency}"
            )
        if invoice.status != InvoiceStatus.ISSUED:
            raise BadInput(f"invoice {invoice.number} is {invoice.status}")
        owed = invoice.total_incl_tax_minor - invoice.allocated_minor
        minor = amount.minor if amount is not None else min(owed, available)
        if amount is not None and amount.currency != invoice.currency:
            raise BadInput(f"amount in {amount.currency}, invoice in {invoice.currency}")
        if minor <= 0:
            raise BadInput(
                f"nothing to allocate: invoice {invoice.number} owes "
                f"{Money.from_minor(owed, invoice.currency)}, "
                f"{Money.from_minor(available, origin.currency)} available"
            )
        if minor > owed:
            raise BadInput(
                f"{Money.from_minor(minor, invoice.currency)} is more than invoice "
                f"{invoice.number} still owes ({Money.from_minor(owed, invoice.currency)})"
            )
        if minor > available:
            raise BadInput(
                f"{Money.from_minor(minor, invoice.currency)} is more than is left to allocate "
                f"({Money.from_minor(available, invoice.currency)})"
            )
        try:
            with transaction.atomic():
                return Allocation.objects.create(
                    creditor_id=invoice.creditor_id,
                    invoice=invoice,
                    payment=origin if payment is not None else None,
                    credit_note=origin if credit_note is not None else None,
                    amount_minor=minor,
                    date=when,
                    created_by=user if getattr(user, "is_authenticated", False) else None,  # type: ignore[misc]
                    source=source,
                )
        except IntegrityError as exc:  # a concurrent writer got there first
            raise BadInput(f"allocation refused by the ledger: {exc}") from exc


def unallocate(allocation: Allocation) -> None:
    """Remove an allocation (the triggers give the amounts back)."""
    allocation.delete()
