"""Documents sent outside the dunning steps: the invoice on its issue date, the account statement.

Both travel as ordinary actions (kind `invoice` or `statement`) through the outbox, the
contact rules and the archive; they list invoices without moving them to a dunning level,
so the run's history of effective sends is unchanged by them.

The account statement (relevé de compte) of one customer and currency at a date lists:

- every open invoice issued on or before that date: number, issue and due dates, amount,
  open balance and days overdue;
- the payments received in the period: from the same day of the previous month (excluded)
  to the date (included);
- the balance: the open invoices less what the customer paid or was credited and is not
  matched to an invoice yet (payments and credit notes "on account").

It is built when the message is rendered (so the worker sends the figures of the day it
sends, and the preview shows exactly those) and laid out with the letter renderer
(`relance.channels.letter`: letterhead, address block for a window envelope, footer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Sum

from relance.customers.models import Customer
from relance.domain.calendar import add_months
from relance.ledger.models import CreditNote, Invoice, InvoiceStatus, Payment


@dataclass(frozen=True, slots=True)
class StatementItem:
    invoice_id: int
    number: str
    issued: date
    due: date
    total_minor: int
    open_minor: int
    days_overdue: int  # 0 when not due yet


@dataclass(frozen=True, slots=True)
class StatementPayment:
    payment_id: int
    on: date
    reference: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Statement:
    customer_id: int
    currency: str
    as_of: date
    since: date  # the period is (since, as_of]
    items: tuple[StatementItem, ...]
    payments: tuple[StatementPayment, ...]
    open_total_minor: int
    overdue_total_minor: int
    #: payments and credit notes not matched to an invoice yet
    on_account_minor: int

    @property
    def balance_minor(self) -> int:
        return self.open_total_minor - self.on_account_minor


def build_statement(customer: Customer, currency: str, as_of: date) -> Statement:
    """The statement of `customer` in `currency` at `as_of` (see the module docstring)."""
    since = add_months(as_of, -1)
    invoices = Invoice.objects.filter(
        customer=customer,
        currency=currency,
        status=InvoiceStatus.ISSUED,
        open_minor__gt=0,
        issue_date__lte=as_of,
    ).order_by("due_date", "issue_date", "id")
    items = tuple(
        StatementItem(
            invoice_id=inv.pk,
            number=inv.number,
            issued=inv.issue_date,
            due=inv.due_date,
            total_minor=inv.total_incl_tax_minor,
            open_minor=inv.total_incl_tax_minor - inv.allocated_minor,
            days_overdue=max((as_of - inv.due_date).days, 0),
        )
        for inv in invoices
    )
    payments = tuple(
        StatementPayment(p.pk, p.date, p.reference, p.amount_minor)
        for p in Payment.objects.filter(
            customer=customer, currency=currency, date__gt=since, date__lte=as_of
        ).order_by("date", "id")
    )
    paid_free = Payment.objects.filter(
        customer=customer, currency=currency, date__lte=as_of, unallocated_minor__gt=0
    ).aggregate(s=Sum("unallocated_minor"))["s"]
    credit_free = CreditNote.objects.filter(
        customer=customer, currency=currency, issue_date__lte=as_of, unallocated_minor__gt=0
    ).aggregate(s=Sum("unallocated_minor"))["s"]
    return Statement(
        customer_id=customer.pk,
        currency=currency,
        as_of=as_of,
        since=since,
        items=items,
        payments=payments,
        open_total_minor=sum(i.open_minor for i in items),
        overdue_total_minor=sum(i.open_minor for i in items if i.days_overdue > 0),
        on_account_minor=(paid_free or 0) + (credit_free or 0),
    )
