"""A customer's payment behaviour, from its invoice history (pure).

An invoice counts as *settled* on the date of the allocation that brought its
open balance to zero. Days late = settled date − due date (0 when on time or
early). Invoices still open and overdue at the as-of date count with their days
overdue so far in `open_overdue_days` but not in the averages of settled ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True, slots=True)
class InvoiceHistory:
    """One invoice of the customer, amounts in minor units of one currency."""

    issue_date: date
    due_date: date
    total_minor: int
    open_minor: int
    settled_on: date | None


@dataclass(frozen=True, slots=True)
class Behaviour:
    tenure_days: int
    first_invoice: date | None
    revenue_12m_minor: int
    invoices: int
    settled: int
    settled_late: int
    average_days_late: Decimal | None
    weighted_days_late: Decimal | None
    share_paid_late: Decimal | None
    open_minor: int
    overdue_minor: int
    oldest_overdue_days: int
    last_payment: date | None


_TENTH = Decimal("0.1")
_PERCENT = Decimal("0.001")


def behaviour(
    history: Iterable[InvoiceHistory],
    as_of: date,
    *,
    customer_since: date | None = None,
    last_payment: date | None = None,
) -> Behaviour:
    """Summarise `history` as of `as_of` (invoices issued after it are ignored)."""
    year_ago = as_of - timedelta(days=365)
    first: date | None = None
    revenue = count = settled = late = 0
    days_sum = 0
    weighted_sum = 0
    weight = 0
    open_total = overdue = 0
    oldest = 0
    for inv in history:
        if inv.issue_date > as_of:
            continue
        count += 1
        if first is None or inv.issue_date < first:
            first = inv.issue_date
        if inv.issue_date > year_ago:
            revenue += inv.total_minor
        if inv.settled_on is not None and inv.settled_on <= as_of:
            settled += 1
            days = max(0, (inv.settled_on - inv.due_date).days)
            if days > 0:
                late += 1
            days_sum += days
            weighted_sum += days * inv.total_minor
            weight += inv.total_minor
        elif inv.open_minor > 0:
            open_total += inv.open_minor
            if inv.due_date < as_of:
                overdue += inv.open_minor
                oldest = max(oldest, (as_of - inv.due_date).days)
    start = customer_since or first
    return Behaviour(
        tenure_days=(as_of - start).days if start else 0,
        first_invoice=first,
        revenue_12m_minor=revenue,
        invoices=count,
        settled=settled,
        settled_late=late,
        average_days_late=(Decimal(days_sum) / settled).quantize(_TENTH, ROUND_HALF_UP)
        if settled
        else None,
        weighted_days_late=(Decimal(weighted_sum) / weight).quantize(_TENTH, ROUND_HALF_UP)
        if weight
        else None,
        share_paid_late=(Decimal(late) / settled).quantize(_PERCENT, ROUND_HALF_UP)
        if settled
        else None,
        open_minor=open_total,
        overdue_minor=overdue,
        oldest_overdue_days=oldest,
        last_payment=last_payment,
    )
