"""DSO (days sales outstanding) by the countback method.

Walk back from the as-of date, period by period (the current month to date, then
whole previous months): while receivables cover a period's sales, count all its
days; then add the covered fraction of the next period. A period with no sales
counts all its days (receivables are older than it). Receivables larger than all
sales of the horizon give the horizon's days with `capped` set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from relance.domain.calendar import month_start


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date
    sales: Decimal

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class DsoResult:
    days: Decimal
    capped: bool


def countback_periods(as_of: date, months: int = 12) -> list[tuple[date, date]]:
    periods = [(month_start(as_of), as_of)]
    end = month_start(as_of) - timedelta(days=1)
    for _ in range(months - 1):
        start = month_start(end)
        periods.append((start, end))
        end = start - timedelta(days=1)
    return periods


def dso_countback(receivables: Decimal, periods: Sequence[Period]) -> DsoResult:
    remaining = Decimal(receivables)
    days = Decimal(0)
    for period in periods:
        if remaining <= 0:
            break
        if period.sales <= 0 or remaining >= period.sales:
            days += period.days
            remaining -= max(period.sales, Decimal(0))
            continue
        days += remaining / period.sales * period.days
        remaining = Decimal(0)
    return DsoResult(days.quantize(Decimal("0.1"), ROUND_HALF_UP), capped=remaining > 0)
