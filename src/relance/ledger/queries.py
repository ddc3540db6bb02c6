"""Read side of the ledger: aging, DSO and payment behaviour, set-based.

Aging runs as one SQL statement over the invoice table: the bucket of each
invoice is found by comparing its due date with precomputed cut-off dates, so
the database does no date arithmetic per row. The as-of date is passed in.
Allocations dated after the as-of date are added back, so a past date gives the
aging as it stood that day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Max, Sum

from relance.domain.aging import AgingBuckets, AgingReport
from relance.domain.behaviour import Behaviour, InvoiceHistory, behaviour
from relance.domain.dso import DsoResult, Period, countback_periods, dso_countback
from relance.domain.money import Money
from relance.ledger.models import Allocation, Invoice, InvoiceStatus, Payment


def default_buckets() -> AgingBuckets:
    return AgingBuckets.from_bounds(list(settings.RELANCE_AGING_BOUNDS))


def _bucket_sums(
    buckets: AgingBuckets, as_of: date, amount: str, extra: str = ""
) -> tuple[str, list[Any]]:
    """SUM and COUNT columns, one pair per bucket, of `amount` by the due date `i.due_date`.

    Days overdue = as_of − due_date, so "between min and max days" is a due-date range:
    the database compares dates with precomputed cut-offs, no date arithmetic per row.
    """
    columns: list[str] = []
    params: list[Any] = []
    for bucket in buckets.buckets:
        conds: list[str] = []
        cond_params: list[Any] = []
        if bucket.min_days is not None:
            conds.append("i.due_date <= %s")
            cond_params.append(as_of - timedelta(days=bucket.min_days))
        if bucket.max_days is not None:
            conds.append("i.due_date >= %s")
            cond_params.append(as_of - timedelta(days=bucket.max_days))
        cond = " AND ".join(conds)
        columns.append(f"SUM(CASE WHEN {cond} THEN {amount} ELSE 0 END)")
        columns.append(f"SUM(CASE WHEN {cond}{extra} THEN 1 ELSE 0 END)")
        params.extend(cond_params * 2)
    return ", ".join(columns), params


def aging(
    creditor_id: int,
    as_of: date,
    *,
    buckets: AgingBuckets | None = None,
    customer_ids: Sequence[int] | None = None,
    collector_id: int | None = None,
) -> dict[str, AgingReport]:
    """Aging of open invoices at `as_of`, one report per currency.

    Two set-based statements: the invoices open today (read from a covering partial
    index), plus the allocations dated after `as_of`, added back to the buckets of
    their invoices so that a past date gives the aging as it stood that day.
    `customer_ids` restricts to some customers; `collector_id` to the customers
    assigned to that collector.
    """
    buckets = buckets or default_buckets()
    where = ["i.creditor_id = %s", "i.status = %s", "i.issue_date <= %s"]
    where_params: list[Any] = [creditor_id, InvoiceStatus.ISSUED.value, as_of]
    if customer_ids is not None:
        if not customer_ids:
            return {}
        where.append(f"i.customer_id IN ({', '.join(['%s'] * len(customer_ids))})")
        where_params.extend(customer_ids)
    if collector_id is not None:
        where.append(
            "i.customer_id IN (SELECT id FROM customers_customer "
            "WHERE creditor_id = %s AND assigned_collector_id = %s)"
        )
        where_params.extend([creditor_id, collector_id])
    filters = " AND ".join(where)

    open_cols, open_params = _bucket_sums(buckets, as_of, "i.open_minor")
    open_sql = f"""
        SELECT i.currency, {open_cols}
        FROM ledger_invoice i
        WHERE {filters} AND i.open_minor > 0
        GROUP BY i.currency
    """  # noqa: S608 - only placeholders and our own column expressions are interpolated
    # An invoice paid in full today but open at as_of is counted here; one still
    # partly open today was already counted above.
    later_cols, later_params = _bucket_sums(
        buckets, as_of, "later.amount", extra=" AND i.open_minor = 0"
    )
    later_sql = f"""
        SELECT i.currency, {later_cols}
        FROM (
            SELECT invoice_id, SUM(amount_minor) AS amount
            FROM ledger_allocation WHERE creditor_id = %s AND date > %s
            GROUP BY invoice_id
        ) later
        JOIN ledger_invoice i ON i.id = later.invoice_id
        WHERE {filters}
        GROUP BY i.currency
    """  # noqa: S608 - only placeholders and our own column expressions are interpolated
    sums: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    with connection.cursor() as cursor:
        for sql, params in (
            (open_sql, [*open_params, *where_params]),
            (later_sql, [*later_params, creditor_id, as_of, *where_params]),
        ):
            cursor.execute(sql, params)
            for row in cursor.fetchall():
                currency, values = row[0], row[1:]
                for k, bucket in enumerate(buckets.buckets):
                    amount, count = sums[currency].get(bucket.key, (0, 0))
                    sums[currency][bucket.key] = (
                        amount + int(values[2 * k] or 0),
                        count + int(values[2 * k + 1] or 0),
                    )
    return _reports(sums, buckets, as_of)


def _reports(
    sums: dict[str, dict[str, tuple[int, int]]], buckets: AgingBuckets, as_of: date
) -> dict[str, AgingReport]:
    reports: dict[str, AgingReport] = {}
    for currency in sorted(sums):
        if not any(amount for amount, _count in sums[currency].values()):
            continue
        totals = {
            b.key: Money.from_minor(sums[currency][b.key][0], currency) for b in buckets.buckets
        }
        counts = {b.key: sums[currency][b.key][1] for b in buckets.buckets}
        reports[currency] = AgingReport(as_of=as_of, currency=currency, totals=totals, count=counts)
    return reports


def receivables_minor(creditor_id: int, as_of: date, currency: str) -> int:
    report = aging(creditor_id, as_of).get(currency)
    return report.total.minor if report else 0


def dso(
    creditor_id: int,
    as_of: date,
    currency: str = "EUR",
    months: int = 12,
    receivables: int | None = None,
) -> DsoResult:
    """Days sales outstanding by the countback method over `months` months.

    `receivables` (minor units at `as_of`) may be given by a caller that has the aging of
    that date already; otherwise it is computed.
    """
    if receivables is None:
        receivables = receivables_minor(creditor_id, as_of, currency)
    periods = []
    base = Invoice.objects.filter(
        creditor_id=creditor_id, currency=currency, status=InvoiceStatus.ISSUED
    )
    for start, end in countback_periods(as_of, months):
        sales = base.filter(issue_date__gte=start, issue_date__lte=end).aggregate(
            s=Sum("total_incl_tax_minor")
        )["s"]
        periods.append(Period(start=start, end=end, sales=Decimal(sales or 0)))
    return dso_countback(Decimal(receivables), periods)


@dataclass(frozen=True, slots=True)
class CustomerBehaviour:
    currency: str
    stats: Behaviour


def customer_behaviour(customer_id: int, as_of: date, currency: str) -> Behaviour:
    """Payment behaviour of one customer (tenure, revenue, days late, share paid late)."""
    from relance.customers.models import Customer

    customer = Customer.objects.only("customer_since").get(pk=customer_id)
    invoices = list(
        Invoice.objects.filter(
            customer_id=customer_id,
            currency=currency,
            status=InvoiceStatus.ISSUED,
            issue_date__lte=as_of,
        ).values_list("id", "issue_date", "due_date", "total_incl_tax_minor")
    )
    paid: dict[int, int] = defaultdict(int)
    settled_on: dict[int, date] = {}
    totals = {inv_id: total for inv_id, _i, _d, total in invoices}
    allocations = (
        Allocation.objects.filter(invoice__customer_id=customer_id, date__lte=as_of)
        .order_by("date", "id")
        .values_list("invoice_id", "date", "amount_minor")
    )
    for inv_id, when, amount in allocations:
        if inv_id not in totals:
            continue
        paid[inv_id] += amount
        if paid[inv_id] >= totals[inv_id] and inv_id not in settled_on:
            settled_on[inv_id] = when
    last_payment = Payment.objects.filter(customer_id=customer_id, date__lte=as_of).aggregate(
        d=Max("date")
    )["d"]
    history = [
        InvoiceHistory(
            issue_date=issue,
            due_date=due,
            total_minor=total,
            open_minor=total - paid[inv_id],
            settled_on=settled_on.get(inv_id),
        )
        for inv_id, issue, due, total in invoices
    ]
    return behaviour(
        history, as_of, customer_since=customer.customer_since, last_payment=last_payment
    )
