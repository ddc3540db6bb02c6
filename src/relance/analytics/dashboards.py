"""The management dashboards: each a `Table` that the page shows and exports as CSV or XLSX.

Every figure is computed as of a date from the ledger (allocations dated after it are
added back, as in the aging), so a past date gives the dashboards as they stood then.
Indicator definitions are in `relance.domain.kpis`. Amounts are in one currency: the
creditor's (invoices in other currencies are left out and the page says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Sum
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from relance.analytics.forecast import compare
from relance.creditors.models import Creditor
from relance.domain.aging import AgingReport
from relance.domain.kpis import ListedItem, at_risk_rate, cei, effectiveness
from relance.domain.money import Money
from relance.ledger.models import Invoice, InvoiceStatus
from relance.ledger.queries import aging, default_buckets, dso

#: Invoices more than this many days overdue are "at risk".
AT_RISK_DAYS = 90
#: A reminder is effective when the invoice it moved is paid within this many days.
EFFECT_WINDOW = 7


@dataclass(frozen=True)
class Table:
    """A titled table: cells are str, int, date, Decimal (amounts and percentages) or None."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""


def month_ends(as_of: date, months: int) -> list[date]:
    """The last day of each of the `months` months before `as_of`'s, then `as_of` (oldest first)."""
    points = [as_of]
    day = as_of.replace(day=1) - timedelta(days=1)
    for _n in range(months):
        points.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return sorted(points)


def _amount(minor: int, currency: str) -> Decimal:
    return Money.from_minor(minor, currency).amount


def _report(reports: dict[str, AgingReport], currency: str) -> AgingReport | None:
    return reports.get(currency)


Reports = dict[date, AgingReport | None]


def aging_at(
    creditor: Creditor, points: Sequence[date], collector_id: int | None = None
) -> Reports:
    """The aging in the creditor's currency at each date (read once for every table)."""
    return {
        p: _report(aging(creditor.pk, p, collector_id=collector_id), creditor.currency)
        for p in points
    }


def aging_trend(
    creditor: Creditor,
    points: Sequence[date],
    collector_id: int | None = None,
    reports: Reports | None = None,
) -> tuple[Table, Table]:
    """The aging at each date, and the CEI and at-risk rate from the same figures."""
    currency = creditor.currency
    buckets = default_buckets()
    if reports is None:
        reports = aging_at(creditor, points, collector_id)
    trend = Table(
        "aging_trend",
        str(_("Aging trend")),
        [
            str(_("Date")),
            *[b.label((get_language() or "en")[:2]) for b in buckets.buckets],
            str(_("Total")),
            str(_("Overdue")),
        ],
    )
    risky = [b for b in buckets.buckets if b.min_days is not None and b.min_days > AT_RISK_DAYS]
    indicators = Table(
        "cei",
        str(_("Collection effectiveness and risk")),
        [
            str(_("Period")),
            str(_("Receivables at start")),
            str(_("Sales")),
            str(_("Receivables at end")),
            str(_("Not yet due at end")),
            str(_("CEI %")),
            str(_("At risk %% (over %(days)s days)") % {"days": AT_RISK_DAYS}),
        ],
        note=str(
            _(
                "CEI = (receivables at start + sales − receivables at end) ÷ (receivables at "
                "start + sales − not yet due at end) × 100."
            )
        ),
    )
    sales_base = Invoice.objects.filter(
        creditor=creditor, currency=currency, status=InvoiceStatus.ISSUED
    )
    if collector_id is not None:
        sales_base = sales_base.filter(customer__assigned_collector_id=collector_id)
    previous: date | None = None
    for point in points:
        report = reports[point]
        total = report.total.minor if report else 0
        trend.rows.append(
            [
                point,
                *[
                    _amount(report.totals[b.key].minor if report else 0, currency)
                    for b in buckets.buckets
                ],
                _amount(total, currency),
                _amount(report.overdue.minor if report else 0, currency),
            ]
        )
        if previous is not None:
            before = reports[previous]
            begin = before.total.minor if before else 0
            sales = (
                sales_base.filter(issue_date__gt=previous, issue_date__lte=point).aggregate(
                    s=Sum("total_incl_tax_minor")
                )["s"]
                or 0
            )
            current = report.totals[buckets.buckets[0].key].minor if report else 0
            beyond = sum(report.totals[b.key].minor for b in risky) if report else 0
            indicators.rows.append(
                [
                    f"{previous + timedelta(days=1)} – {point}",
                    _amount(begin, currency),
                    _amount(sales, currency),
                    _amount(total, currency),
                    _amount(current, currency),
                    cei(begin, sales, total, current),
                    at_risk_rate(total, beyond),
                ]
            )
        previous = point
    return trend, indicators


def dso_trend(creditor: Creditor, points: Sequence[date], reports: Reports | None = None) -> Table:
    """DSO at each date of the whole portfolio (`reports`: its aging at those dates)."""
    table = Table("dso", str(_("DSO (countback)")), [str(_("Date")), str(_("DSO (days)"))])
    if reports is None:
        reports = aging_at(creditor, points)
    for point in points:
        report = reports[point]
        receivables = report.total.minor if report else 0
        result = dso(creditor.pk, point, creditor.currency, receivables=receivables)
        table.rows.append([point, result.days])
    return table


def _open_at_sql(group: str, collector_id: int | None) -> tuple[str, list[Any]]:
    """Overdue amount per `group` at a date (open then = open now + allocations after it)."""
    extra = ""
    params: list[Any] = []
    if collector_id is not None:
        extra = " AND c.assigned_collector_id = %s"
        params.append(collector_id)
    sql = f"""
        SELECT {group}, SUM(i.open_minor + COALESCE(later.amount, 0)) AS overdue
        FROM ledger_invoice i
        JOIN customers_customer c ON c.id = i.customer_id
        LEFT JOIN (
            SELECT invoice_id, SUM(amount_minor) AS amount
            FROM ledger_allocation WHERE creditor_id = %s AND date > %s
            GROUP BY invoice_id
        ) later ON later.invoice_id = i.id
        WHERE i.creditor_id = %s AND i.status = %s AND i.currency = %s
          AND i.issue_date <= %s AND i.due_date < %s{extra}
        GROUP BY {group}
        HAVING SUM(i.open_minor + COALESCE(later.amount, 0)) > 0
        ORDER BY overdue DESC
    """  # noqa: S608 - only our own column names are interpolated
    return sql, params


def _overdue_by(
    creditor: Creditor, as_of: date, group: str, collector_id: int | None
) -> list[tuple[Any, ...]]:
    sql, extra = _open_at_sql(group, collector_id)
    params = [
        creditor.pk,
        as_of,
        creditor.pk,
        InvoiceStatus.ISSUED.value,
        creditor.currency,
        as_of,
        as_of,
        *extra,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def overdue_by_segment(creditor: Creditor, as_of: date, collector_id: int | None = None) -> Table:
    rows = _overdue_by(creditor, as_of, "c.segment", collector_id)
    total = sum(int(r[1]) for r in rows)
    table = Table(
        "segments",
        str(_("Overdue by segment")),
        [str(_("Segment")), str(_("Overdue")), str(_("Share %"))],
    )
    for segment, amount in rows:
        share = (Decimal(int(amount)) * 100 / total).quantize(Decimal("0.1")) if total else None
        table.rows.append(
            [segment or str(_("(none)")), _amount(int(amount), creditor.currency), share]
        )
    return table


def top_debtors(
    creditor: Creditor, as_of: date, collector_id: int | None = None, limit: int = 10
) -> Table:
    rows = _overdue_by(creditor, as_of, "c.id, c.legal_name", collector_id)[:limit]
    table = Table(
        "top_debtors",
        str(_("Top debtors")),
        [str(_("Customer")), str(_("Overdue"))],
    )
    for _pk, name, amount in rows:
        table.rows.append([name, _amount(int(amount), creditor.currency)])
    return table


def step_effectiveness(
    creditor: Creditor, as_of: date, days: int = 180, collector_id: int | None = None
) -> Table:
    """Per step and channel, over the reminders sent in the `days` before `as_of`
    (and at least `EFFECT_WINDOW` days ago): the share of the invoices each moved that
    were paid in full within `EFFECT_WINDOW` days."""
    extra = ""
    params: list[Any] = [
        EFFECT_WINDOW,
        creditor.pk,
        "sent",
        as_of - timedelta(days=days),
        as_of - timedelta(days=EFFECT_WINDOW),
    ]
    if collector_id is not None:
        extra = (
            " AND a.customer_id IN "
            "(SELECT id FROM customers_customer WHERE assigned_collector_id = %s)"
        )
        params.append(collector_id)
    window_end = (
        "a.sent_on + %s"
        if connection.vendor == "postgresql"
        else "date(a.sent_on, '+' || %s || ' days')"
    )
    sql = f"""
        SELECT a.step_key, a.channel, it.open_minor,
               COALESCE((SELECT SUM(al.amount_minor) FROM ledger_allocation al
                         WHERE al.invoice_id = it.invoice_id
                           AND al.date > a.sent_on AND al.date <= {window_end}), 0)
        FROM dunning_actionitem it
        JOIN dunning_action a ON a.id = it.action_id
        WHERE a.creditor_id = %s AND a.status = %s AND it.advances
          AND a.sent_on >= %s AND a.sent_on <= %s{extra}
    """  # noqa: S608 - only our own expressions are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        items = [ListedItem(str(s), str(c), int(o), int(p)) for s, c, o, p in cursor.fetchall()]
    table = Table(
        "effectiveness",
        str(_("Effectiveness of each step and channel")),
        [
            str(_("Step")),
            str(_("Channel")),
            str(_("Invoices")),
            str(_("Paid within %(n)s days") % {"n": EFFECT_WINDOW}),
            str(_("Share %")),
            str(_("Recovered")),
        ],
        note=str(
            _(
                "Reminders sent in the last %(days)s days: the invoices each moved to its step, "
                "and how many were paid in full within %(n)s days after it."
            )
            % {"days": days, "n": EFFECT_WINDOW}
        ),
    )
    for e in effectiveness(items):
        table.rows.append(
            [
                e.step,
                e.channel,
                e.items,
                e.paid,
                e.share,
                _amount(e.recovered_minor, creditor.currency),
            ]
        )
    return table


def forecast_vs_actual(creditor: Creditor, as_of: date) -> Table:
    table = Table(
        "forecast",
        str(_("Forecast and what came in")),
        [
            str(_("Week starting")),
            str(_("Forecast made on")),
            str(_("Expected")),
            str(_("Received")),
        ],
    )
    for c in compare(creditor, as_of):
        if c.currency != creditor.currency:
            continue
        table.rows.append(
            [
                c.week_start,
                c.made_on,
                _amount(c.expected_minor, c.currency),
                _amount(c.actual_minor, c.currency),
            ]
        )
    return table


def promises_kept(
    creditor: Creditor, points: Sequence[date], collector_id: int | None = None
) -> Table:
    """Per month (ending on each of `points`): the promises to pay judged that month — kept
    in full, partly kept, broken — their amount, and the share kept in full (one query)."""
    from relance.negotiation.models import Promise, PromiseStatus

    table = Table(
        "promises",
        str(_("Promises kept")),
        [
            str(_("Month ending")),
            str(_("Kept")),
            str(_("Partly kept")),
            str(_("Broken")),
            str(_("Amount promised")),
            str(_("Kept %")),
        ],
    )
    if not points:
        return table
    first = points[0].replace(day=1)
    judged = Promise.objects.filter(
        creditor=creditor,
        currency=creditor.currency,
        settled_on__gte=first,
        settled_on__lte=points[-1],
        status__in=(PromiseStatus.KEPT, PromiseStatus.PARTLY_KEPT, PromiseStatus.BROKEN),
    )
    if collector_id is not None:
        judged = judged.filter(customer__assigned_collector_id=collector_id)
    rows = list(judged.values_list("settled_on", "status", "amount_minor"))
    for end in points:
        start = end.replace(day=1)
        month = [
            (status, minor)
            for day, status, minor in rows
            if day is not None and start <= day <= end  # settled_on is set once judged
        ]
        kept = sum(1 for status, _m in month if status == PromiseStatus.KEPT)
        partly = sum(1 for status, _m in month if status == PromiseStatus.PARTLY_KEPT)
        broken = sum(1 for status, _m in month if status == PromiseStatus.BROKEN)
        share = (Decimal(kept * 100) / len(month)).quantize(Decimal("0.1")) if month else None
        table.rows.append(
            [
                end,
                kept,
                partly,
                broken,
                _amount(sum(minor for _s, minor in month), creditor.currency),
                share,
            ]
        )
    return table


def dashboards(
    creditor: Creditor, as_of: date, *, months: int = 12, collector_id: int | None = None
) -> list[Table]:
    """Every dashboard table as of `as_of`; a collector's view leaves out DSO and forecasts
    (they describe the whole portfolio)."""
    points = month_ends(as_of, months)
    reports = aging_at(creditor, points, collector_id)
    trend, indicators = aging_trend(creditor, points, collector_id, reports)
    tables = [trend, indicators]
    if collector_id is None:
        tables.append(dso_trend(creditor, points, reports))
    tables += [
        overdue_by_segment(creditor, as_of, collector_id),
        top_debtors(creditor, as_of, collector_id),
        step_effectiveness(creditor, as_of, collector_id=collector_id),
        promises_kept(creditor, points, collector_id),
    ]
    if collector_id is None:
        tables.append(forecast_vs_actual(creditor, as_of))
    return tables
