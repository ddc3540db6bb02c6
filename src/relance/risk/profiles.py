"""Behaviour figures of every customer of a creditor, in a few aggregate SQL statements.

One statement over invoices (joined to their allocations up to the as-of date)
gives each customer's counts, sums and days late; three small ones give the last
payment, the paused invoices and the reminders archived. No per-customer query:
the cost is a few scans whatever the number of customers. `customer_ids`
restricts every statement to some customers (the incremental recompute after an
import or a payment uses the same code).

Definitions follow `relance.domain.behaviour`: an invoice is *settled* on the date
of the allocation that brought its balance to zero (the latest allocation dated on
or before the as-of date, allocations being positive); days late = settled − due
(0 when early). Open invoices past due count as overdue with their days so far.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection

_TENTH = Decimal("0.1")
_THOUSANDTH = Decimal("0.001")

#: The trend compares invoices due in the last `TREND_DAYS` with the `TREND_DAYS` before.
TREND_DAYS = 182


@dataclass(frozen=True, slots=True)
class Figures:
    """Ledger figures of one customer (minor units of the customer's currency)."""

    customer_id: int
    invoices: int = 0
    first_invoice: date | None = None
    revenue_12m_minor: int = 0
    settled: int = 0
    settled_late: int = 0
    average_days_late: Decimal | None = None
    weighted_days_late: Decimal | None = None
    share_paid_late: Decimal | None = None
    open_minor: int = 0
    overdue_minor: int = 0
    open_overdue_invoices: int = 0
    oldest_overdue_days: int = 0
    partial_payments: int = 0
    recent_days_late: Decimal | None = None
    previous_days_late: Decimal | None = None
    last_payment: date | None = None
    disputes: int = 0
    reminders_unanswered: int = 0
    reminders_bounced: int = 0
    #: promises to pay judged by the as-of date (relance.negotiation): kept in full, partly
    #: kept, broken; and payment plans asked for (plans agreed or requested on a call)
    promises_kept: int = 0
    promises_partly_kept: int = 0
    promises_broken: int = 0
    plan_requests: int = 0

    @property
    def promises_kept_ratio(self) -> Decimal | None:
        """Share of the promises judged that were kept in full (None: none judged yet)."""
        judged = self.promises_kept + self.promises_partly_kept + self.promises_broken
        return _ratio(self.promises_kept, judged, Decimal("0.001")) if judged else None


def _days(later: str, earlier: str) -> str:
    """SQL for the whole days between two date expressions."""
    if connection.vendor == "postgresql":
        return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _days_since(column: str) -> str:
    """SQL for the whole days from `column` to the date given as the next parameter.

    On SQLite the parameter is the as-of date's Julian day number (see `_day_param`):
    a number, so the database does not parse the same date once per row.
    """
    if connection.vendor == "postgresql":
        return f"(CAST(%s AS DATE) - CAST({column} AS DATE))"
    return f"CAST(%s - julianday({column}) AS INTEGER)"


def _day_param(day: date) -> Any:
    if connection.vendor == "postgresql":
        return day
    return day.toordinal() + 1721424.5  # the Julian day number of `day` at midnight


def _greatest0(expr: str) -> str:
    return f"GREATEST(0, {expr})" if connection.vendor == "postgresql" else f"MAX(0, {expr})"


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _ratio(num: int, den: int, quantum: Decimal) -> Decimal | None:
    if not den:
        return None
    return (Decimal(num) / Decimal(den)).quantize(quantum, ROUND_HALF_UP)


def _in(column: str, ids: Sequence[int] | None) -> tuple[str, list[Any]]:
    if ids is None:
        return "", []
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def ledger_figures(
    creditor_id: int, as_of: date, customer_ids: Sequence[int] | None = None
) -> dict[int, Figures]:
    """Figures of the customers that have invoices in their own currency up to `as_of`."""
    if customer_ids is not None and not customer_ids:
        return {}
    year_ago = as_of - timedelta(days=365)
    recent_from = as_of - timedelta(days=TREND_DAYS)
    previous_from = recent_from - timedelta(days=TREND_DAYS)
    alloc_filter, alloc_ids = _in("i2.customer_id", customer_ids)
    if alloc_filter:
        alloc_filter = (
            " AND a.invoice_id IN (SELECT i2.id FROM ledger_invoice i2"  # noqa: S608
            f" WHERE i2.creditor_id = a.creditor_id{alloc_filter})"
        )
    inv_filter, inv_ids = _in("i.customer_id", customer_ids)
    late = _greatest0(_days("settled_on", "due_date"))
    overdue = _days_since("due_date")
    # The days late of an invoice for the trend: settled → its days late; open and past
    # due → its days overdue so far; open and not due → not counted.
    trend_days = "COALESCE(late_days, overdue_days)"
    sql = f"""
        WITH paid AS (
            SELECT a.invoice_id AS invoice_id, SUM(a.amount_minor) AS amount,
                   MAX(a.date) AS last_date,
                   SUM(CASE WHEN a.payment_id IS NOT NULL THEN 1 ELSE 0 END) AS payments
            FROM ledger_allocation a
            WHERE a.creditor_id = %s AND a.date <= %s{alloc_filter}
            GROUP BY a.invoice_id
        ),
        inv AS (
            SELECT i.customer_id AS cid, i.issue_date AS issue_date, i.due_date AS due_date,
                   i.total_incl_tax_minor AS total,
                   i.total_incl_tax_minor - COALESCE(p.amount, 0) AS open_amount,
                   CASE WHEN p.amount >= i.total_incl_tax_minor THEN p.last_date END
                       AS settled_on,
                   COALESCE(p.payments, 0) AS payments
            FROM ledger_invoice i
            JOIN customers_customer c ON c.id = i.customer_id AND c.currency = i.currency
            LEFT JOIN paid p ON p.invoice_id = i.id
            WHERE i.creditor_id = %s AND i.status = 'issued' AND i.issue_date <= %s{inv_filter}
        ),
        x AS (
            SELECT cid, issue_date, due_date, total, open_amount, settled_on, payments,
                   CASE WHEN settled_on IS NOT NULL THEN {late} END AS late_days,
                   CASE WHEN settled_on IS NULL AND open_amount > 0 AND due_date < %s
                        THEN {overdue} END AS overdue_days
            FROM inv
        )
        SELECT cid, COUNT(*), MIN(issue_date),
               SUM(CASE WHEN issue_date > %s THEN total ELSE 0 END),
               SUM(CASE WHEN settled_on IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN late_days > 0 THEN 1 ELSE 0 END),
               SUM(COALESCE(late_days, 0)),
               SUM(COALESCE(late_days, 0) * total),
               SUM(CASE WHEN settled_on IS NOT NULL THEN total ELSE 0 END),
               SUM(CASE WHEN settled_on IS NULL AND open_amount > 0 THEN open_amount ELSE 0 END),
               SUM(CASE WHEN overdue_days IS NOT NULL THEN open_amount ELSE 0 END),
               SUM(CASE WHEN overdue_days IS NOT NULL THEN 1 ELSE 0 END),
               MAX(overdue_days),
               SUM(CASE WHEN payments > 1 OR (payments = 1 AND settled_on IS NULL)
                        THEN 1 ELSE 0 END),
               SUM(CASE WHEN due_date > %s AND due_date <= %s THEN {trend_days} END),
               SUM(CASE WHEN due_date > %s AND due_date <= %s AND {trend_days} IS NOT NULL
                        THEN 1 ELSE 0 END),
               SUM(CASE WHEN due_date > %s AND due_date <= %s THEN {trend_days} END),
               SUM(CASE WHEN due_date > %s AND due_date <= %s AND {trend_days} IS NOT NULL
                        THEN 1 ELSE 0 END)
        FROM x
        GROUP BY cid
    """  # noqa: S608 - only placeholders and our own expressions are interpolated
    params: list[Any] = [
        creditor_id,
        as_of,
        *alloc_ids,
        creditor_id,
        as_of,
        *inv_ids,
        as_of,  # due_date < %s
        _day_param(as_of),  # inside {overdue}
        year_ago,
        recent_from,
        as_of,
        recent_from,
        as_of,
        previous_from,
        recent_from,
        previous_from,
        recent_from,
    ]
    found: dict[int, dict[str, Any]] = {}
    with connection.cursor() as cur:
        cur.execute(sql, params)
        for row in cur.fetchall():
            (
                cid,
                count,
                first,
                revenue,
                settled,
                settled_late,
                days_sum,
                weighted_sum,
                weight,
                open_total,
                overdue_total,
                overdue_count,
                oldest,
                partial,
                recent_sum,
                recent_n,
                previous_sum,
                previous_n,
            ) = row
            settled = int(settled or 0)
            found[int(cid)] = {
                "customer_id": int(cid),
                "invoices": int(count),
                "first_invoice": _as_date(first),
                "revenue_12m_minor": int(revenue or 0),
                "settled": settled,
                "settled_late": int(settled_late or 0),
                "average_days_late": _ratio(int(days_sum or 0), settled, _TENTH),
                "weighted_days_late": _ratio(int(weighted_sum or 0), int(weight or 0), _TENTH),
                "share_paid_late": _ratio(int(settled_late or 0), settled, _THOUSANDTH),
                "open_minor": int(open_total or 0),
                "overdue_minor": int(overdue_total or 0),
                "open_overdue_invoices": int(overdue_count or 0),
                "oldest_overdue_days": int(oldest or 0),
                "partial_payments": int(partial or 0),
                "recent_days_late": _ratio(int(recent_sum or 0), int(recent_n or 0), _TENTH),
                "previous_days_late": _ratio(int(previous_sum or 0), int(previous_n or 0), _TENTH),
            }
    _add_side_figures(found, creditor_id, as_of, customer_ids)
    return {cid: Figures(**values) for cid, values in found.items()}


def _add_side_figures(
    found: dict[int, dict[str, Any]],
    creditor_id: int,
    as_of: date,
    customer_ids: Sequence[int] | None,
) -> None:
    """Last payment, disputes open, reminders, promises judged and plans asked for, per
    customer."""
    pay_filter, pay_ids = _in("customer_id", customer_ids)
    dispute_filter, dispute_ids = _in("d.customer_id", customer_ids)
    corr_filter, corr_ids = _in("k.customer_id", customer_ids)
    promise_filter, promise_ids = _in("p.customer_id", customer_ids)
    plan_filter, plan_ids = _in("customer_id", customer_ids)
    end = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=UTC)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT customer_id, MAX(date) FROM ledger_payment"  # noqa: S608
            f" WHERE creditor_id = %s AND date <= %s AND customer_id IS NOT NULL{pay_filter}"
            " GROUP BY customer_id",
            [creditor_id, as_of, *pay_ids],
        )
        last_payment = {int(cid): _as_date(day) for cid, day in cur.fetchall()}
        # Disputes open on the as-of date (opened by then, not resolved before).
        cur.execute(
            "SELECT d.customer_id, COUNT(*) FROM negotiation_dispute d"  # noqa: S608
            " WHERE d.creditor_id = %s AND d.opened_on <= %s"
            " AND (d.resolved_on IS NULL OR d.resolved_on > %s)"
            f"{dispute_filter} GROUP BY d.customer_id",
            [creditor_id, as_of, as_of, *dispute_ids],
        )
        disputes = {int(cid): int(n) for cid, n in cur.fetchall()}
        # Reminders archived up to the as-of date: bounced ones, and those sent since the
        # day of the customer's last payment (or ever, when it never paid) = unanswered.
        cur.execute(
            "SELECT k.customer_id,"  # noqa: S608
            " SUM(CASE WHEN k.delivery_status = 'bounced' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN lp.last_date IS NULL OR k.sent_at > lp.last_date THEN 1 ELSE 0 END)"
            " FROM channels_correspondence k"
            " LEFT JOIN (SELECT customer_id, MAX(date) AS last_date FROM ledger_payment"
            "   WHERE creditor_id = %s AND date <= %s AND customer_id IS NOT NULL"
            "   GROUP BY customer_id) lp ON lp.customer_id = k.customer_id"
            f" WHERE k.creditor_id = %s AND k.sent_at < %s{corr_filter}"
            " GROUP BY k.customer_id",
            [creditor_id, as_of, creditor_id, end, *corr_ids],
        )
        reminders = {int(cid): (int(b or 0), int(u or 0)) for cid, b, u in cur.fetchall()}
        # Promises to pay judged (kept, partly kept, broken) on or before the as-of date.
        cur.execute(
            "SELECT p.customer_id,"  # noqa: S608
            " SUM(CASE WHEN p.status = 'kept' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN p.status = 'partly_kept' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN p.status = 'broken' THEN 1 ELSE 0 END)"
            " FROM negotiation_promise p"
            " WHERE p.creditor_id = %s AND p.settled_on IS NOT NULL AND p.settled_on <= %s"
            f"{promise_filter} GROUP BY p.customer_id",
            [creditor_id, as_of, *promise_ids],
        )
        promises = {
            int(cid): (int(k or 0), int(pk or 0), int(b or 0)) for cid, k, pk, b in cur.fetchall()
        }
        # Payment plans asked for: agreed (any outcome) or requested on a call, by the date.
        cur.execute(
            "SELECT customer_id, SUM(n) FROM ("  # noqa: S608
            " SELECT customer_id, COUNT(*) AS n FROM negotiation_paymentplan"
            f" WHERE creditor_id = %s AND agreed_on <= %s{plan_filter} GROUP BY customer_id"
            " UNION ALL"
            " SELECT customer_id, COUNT(*) AS n FROM negotiation_calllog"
            f" WHERE creditor_id = %s AND outcome = 'plan_requested' AND \"on\" <= %s{plan_filter}"
            " GROUP BY customer_id) asked GROUP BY customer_id",
            [creditor_id, as_of, *plan_ids, creditor_id, as_of, *plan_ids],
        )
        plans = {int(cid): int(n or 0) for cid, n in cur.fetchall()}
    for cid in set(last_payment) | set(disputes) | set(reminders) | set(promises) | set(plans):
        values = found.setdefault(cid, {"customer_id": cid})
        values["last_payment"] = last_payment.get(cid)
        values["disputes"] = disputes.get(cid, 0)
        bounced, unanswered = reminders.get(cid, (0, 0))
        values["reminders_bounced"] = bounced
        values["reminders_unanswered"] = unanswered
        kept, partly, broken = promises.get(cid, (0, 0, 0))
        values["promises_kept"] = kept
        values["promises_partly_kept"] = partly
        values["promises_broken"] = broken
        values["plan_requests"] = plans.get(cid, 0)
