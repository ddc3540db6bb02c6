"""The expected cash-in per week and the predicted pay date of each open invoice.

As-of semantics: an invoice counts as paid on the date of the allocation that settled it,
and only allocations dated on or before the as-of date are known — so a forecast made for
a past date uses what was known then, and can be compared with what came in afterwards.
Predictions use the baseline of `relance.domain.prediction.predict_open` (the customer's
own delays); the gradient-boosting model is evaluated by `relance predict evaluate`.
Invoices later than any paid invoice ever was are "doubtful": kept apart, not forecast.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q, QuerySet, Sum

from relance.analytics.models import ForecastWeek
from relance.creditors.models import Creditor
from relance.domain.prediction import HistoryRow, OpenItem, Predicted, predict_open, week_start
from relance.ledger.models import Allocation, Invoice, InvoiceStatus

#: Weeks shown ahead; what is expected later is summed in one "later" line.
WEEKS = 13


@dataclass(frozen=True)
class WeekLine:
    week_start: date
    currency: str
    expected_minor: int
    invoices: int


@dataclass(frozen=True)
class Forecast:
    as_of: date
    weeks: list[WeekLine]
    later: dict[str, int]  # currency → minor units expected after the last week
    doubtful: dict[str, int]  # currency → minor units with no honest date (see predict_open)
    predictions: dict[int, Predicted]  # invoice id → prediction


def _invoices(creditor: Creditor, as_of: date, scope: dict[str, object]) -> QuerySet[Invoice]:
    known = Q(allocations__date__lte=as_of)
    return (
        Invoice.objects.filter(
            creditor=creditor, issue_date__lte=as_of, status=InvoiceStatus.ISSUED, **scope
        )
        .annotate(
            known_paid=Sum("allocations__amount_minor", filter=known, default=0),
            last_allocation=Max("allocations__date", filter=known),
        )
        .order_by()
    )


def forecast(
    creditor: Creditor, as_of: date, *, weeks: int = WEEKS, scope: dict[str, object] | None = None
) -> Forecast:
    """The forecast as of `as_of` (scope: extra invoice filters, e.g. a collector's)."""
    history: list[HistoryRow] = []
    items: list[OpenItem] = []
    currency_of: dict[int, str] = {}
    rows = _invoices(creditor, as_of, scope or {}).values_list(  # type: ignore[misc]
        "pk",
        "customer_id",
        "issue_date",
        "due_date",
        "total_incl_tax_minor",
        "currency",
        "known_paid",
        "last_allocation",
    )
    for pk, customer, issued, due, total, currency, paid, last in rows:
        settled = paid >= total
        history.append(
            HistoryRow(
                str(customer), str(pk), issued, due, Decimal(total), last if settled else None
            )
        )
        if not settled:
            items.append(OpenItem(str(pk), str(customer), due, total - paid))
            currency_of[pk] = currency
    predictions = {int(p.invoice_id): p for p in predict_open(history, items, as_of)}
    open_by_id = {int(i.invoice_id): i.open_minor for i in items}
    first = week_start(as_of)
    horizon = first + timedelta(weeks=weeks)
    sums: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
    later: dict[str, int] = defaultdict(int)
    doubtful: dict[str, int] = defaultdict(int)
    for pk, p in predictions.items():
        currency = currency_of[pk]
        if p.pay_date is None:
            doubtful[currency] += open_by_id[pk]
            continue
        week = week_start(p.pay_date)
        if week >= horizon:
            later[currency] += open_by_id[pk]
            continue
        cell = sums[(week, currency)]
        cell[0] += open_by_id[pk]
        cell[1] += 1
    lines = [
        WeekLine(week, currency, amount, count)
        for (week, currency), (amount, count) in sorted(sums.items())
    ]
    return Forecast(as_of, lines, dict(later), dict(doubtful), predictions)


@transaction.atomic
def save_forecast(creditor: Creditor, as_of: date, weeks: int = WEEKS) -> int:
    """Store the forecast made on `as_of` (replacing one saved earlier for that date)."""
    result = forecast(creditor, as_of, weeks=weeks)
    ForecastWeek.objects.filter(creditor=creditor, made_on=as_of).delete()
    ForecastWeek.objects.bulk_create(
        ForecastWeek(
            creditor=creditor,
            made_on=as_of,
            week_start=line.week_start,
            currency=line.currency,
            expected_minor=line.expected_minor,
            invoices=line.invoices,
        )
        for line in result.weeks
    )
    return len(result.weeks)


@dataclass(frozen=True)
class Comparison:
    week_start: date
    currency: str
    made_on: date
    expected_minor: int
    actual_minor: int


def compare(creditor: Creditor, as_of: date, weeks: int = 8) -> list[Comparison]:
    """For each of the last `weeks` complete weeks before `as_of`: what the latest forecast
    saved before that week began expected, next to what was paid (allocated) that week on
    the invoices that forecast covered (issued by the day it was made)."""
    this_week = week_start(as_of)
    result: list[Comparison] = []
    for n in range(weeks, 0, -1):
        start = this_week - timedelta(weeks=n)
        end = start + timedelta(days=6)
        made = (
            ForecastWeek.objects.filter(creditor=creditor, made_on__lte=start)
            .aggregate(latest=Max("made_on"))
            .get("latest")
        )
        if made is None:
            continue
        expected = dict(
            ForecastWeek.objects.filter(creditor=creditor, made_on=made, week_start=start)
            .values_list("currency")
            .annotate(total=Sum("expected_minor"))
        )
        # what came in for the invoices that forecast covered (issued by then)
        actual = dict(
            Allocation.objects.filter(
                creditor=creditor,
                date__gte=start,
                date__lte=end,
                invoice__issue_date__lte=made,
                invoice__status=InvoiceStatus.ISSUED,
            )
            .values_list("invoice__currency")
            .annotate(total=Sum("amount_minor"))
        )
        for currency in sorted(set(expected) | set(actual)):
            result.append(
                Comparison(
                    start, currency, made, expected.get(currency, 0), actual.get(currency, 0)
                )
            )
    return result


def save_weekly_forecasts(creditor: Creditor, as_of: date, weeks_back: int = 8) -> int:
    """The forecasts of the last `weeks_back` Mondays and of `as_of`, as known on each day
    (the demo uses it so that its forecast page can already compare with actual cash)."""
    days = [week_start(as_of) - timedelta(weeks=n) for n in range(weeks_back, 0, -1)]
    for day in [*days, as_of]:
        save_forecast(creditor, day)
    return len(days) + 1
