"""What the portal shows of a customer: always from the link's customer, never from an id
alone (an invoice id in a URL or a form is looked up among this customer's invoices)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.ledger.models import Invoice, InvoiceStatus
from relance.negotiation.models import PaymentPlan, PlanAgreement, PlanStatus

#: plans the portal shows (agreed and running, or awaiting our approval)
SHOWN_PLANS = (PlanStatus.ACTIVE, PlanStatus.NEEDS_APPROVAL)


def open_invoices(customer: Customer) -> QuerySet[Invoice]:
    return Invoice.objects.filter(
        customer=customer,
        creditor_id=customer.creditor_id,
        status=InvoiceStatus.ISSUED,
        open_minor__gt=0,
    ).order_by("due_date", "id")


def customer_invoice(customer: Customer, invoice_id: int) -> Invoice | None:
    """One invoice of this customer (open or not), None for any other id."""
    return Invoice.objects.filter(
        pk=invoice_id, customer=customer, creditor_id=customer.creditor_id
    ).first()


def parse_ids(values: Iterable[str]) -> list[int]:
    ids = []
    for raw in values:
        if not raw.strip().isdigit():
            raise BadInput(_("invoices: “%(value)s” is not an invoice.") % {"value": raw[:20]})
        ids.append(int(raw))
    return ids


def selected_invoices(customer: Customer, ids: Iterable[int]) -> list[Invoice]:
    """The open invoices of `customer` named by `ids`, in due-date order (BadInput when one
    is not an open invoice of this customer, or they are in several currencies)."""
    wanted = sorted(set(ids))
    if not wanted:
        raise BadInput(_("invoices: choose at least one invoice."))
    found = {i.pk: i for i in open_invoices(customer).filter(pk__in=wanted)}
    if len(found) != len(wanted):
        raise BadInput(_("invoices: one of the invoices chosen is not an open invoice of yours."))
    invoices = sorted(found.values(), key=lambda i: (i.due_date, i.pk))
    if len({i.currency for i in invoices}) > 1:
        raise BadInput(_("invoices: choose invoices of one currency at a time."))
    return invoices


def customer_plans(customer: Customer) -> QuerySet[PaymentPlan]:
    """The customer's plans running or awaiting approval, newest first."""
    return (
        PaymentPlan.objects.filter(
            customer=customer, creditor_id=customer.creditor_id, status__in=SHOWN_PLANS
        )
        .prefetch_related("instalments")
        .order_by("-agreed_on", "-id")
    )


def plan_agreement(customer: Customer, plan_id: int) -> PlanAgreement | None:
    """The latest agreement PDF of this customer's active plan `plan_id` (None for any other
    id, and for a plan not agreed: awaiting approval, refused, cancelled)."""
    return (
        PlanAgreement.objects.filter(
            plan_id=plan_id,
            plan__customer=customer,
            plan__creditor_id=customer.creditor_id,
            plan__status__in=(PlanStatus.ACTIVE, PlanStatus.COMPLETED),
        )
        .order_by("-created_at", "-pk")
        .first()
    )


@dataclass(frozen=True, slots=True)
class Totals:
    currency: str
    open_minor: int
    overdue_minor: int


def totals(invoices: Iterable[Invoice], as_of: date) -> list[Totals]:
    by: dict[str, list[int]] = {}
    for inv in invoices:
        sums = by.setdefault(inv.currency, [0, 0])
        sums[0] += inv.open_minor
        if inv.due_date < as_of:
            sums[1] += inv.open_minor
    return [Totals(c, s[0], s[1]) for c, s in sorted(by.items())]
