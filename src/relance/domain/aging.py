"""Aging buckets: how long open amounts have been overdue at an as-of date."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from relance.domain.money import Money, sum_money


@dataclass(frozen=True, slots=True)
class Bucket:
    """Days overdue (as_of − due_date) from min_days to max_days inclusive; None = unbounded."""

    key: str
    label_en: str
    label_fr: str
    min_days: int | None
    max_days: int | None

    def contains(self, days: int) -> bool:
        return (self.min_days is None or days >= self.min_days) and (
            self.max_days is None or days <= self.max_days
        )

    def label(self, lang: str) -> str:
        return self.label_fr if lang.startswith("fr") else self.label_en


@dataclass(frozen=True, slots=True)
class AgingBuckets:
    buckets: tuple[Bucket, ...]

    @classmethod
    def from_bounds(cls, bounds: Sequence[int]) -> AgingBuckets:
        """Buckets "not due", 1–b1, b1+1–b2, …, > bn from increasing positive upper bounds."""
        if not bounds:
            raise ValueError("aging needs at least one bound, e.g. [30, 60, 90]")
        if any(b <= 0 for b in bounds) or any(a >= b for a, b in pairwise(bounds)):
            raise ValueError(
                f"aging bounds must be positive and strictly increasing: {list(bounds)}"
            )
        buckets = [Bucket("not_due", "not due", "non échu", None, 0)]
        low = 1
        for high in bounds:
            buckets.append(
                Bucket(f"d{low}_{high}", f"{low}–{high} days", f"{low} à {high} jours", low, high)
            )
            low = high + 1
        buckets.append(
            Bucket(f"d{low - 1}_plus", f"> {low - 1} days", f"plus de {low - 1} jours", low, None)
        )
        return cls(tuple(buckets))

    @classmethod
    def default(cls) -> AgingBuckets:
        return cls.from_bounds([30, 60, 90])

    def bucket_for(self, days_overdue: int) -> Bucket:
        for bucket in self.buckets:
            if bucket.contains(days_overdue):
                return bucket
        raise AssertionError("buckets cover every integer")  # pragma: no cover

    def keys(self) -> list[str]:
        return [b.key for b in self.buckets]


@dataclass(frozen=True, slots=True)
class AgedItem:
    due_date: date
    open: Money


@dataclass(frozen=True, slots=True)
class AgingReport:
    as_of: date
    currency: str
    totals: dict[str, Money]
    count: dict[str, int]

    @property
    def total(self) -> Money:
        return sum_money(self.totals.values(), self.currency)

    @property
    def overdue(self) -> Money:
        return sum_money((m for k, m in self.totals.items() if k != "not_due"), self.currency)


def age(
    items: Iterable[AgedItem], as_of: date, currency: str, buckets: AgingBuckets | None = None
) -> AgingReport:
    """Age open items in one currency (CurrencyMismatch on a foreign item)."""
    buckets = buckets or AgingBuckets.default()
    totals = {b.key: Money.zero(currency) for b in buckets.buckets}
    count = dict.fromkeys(totals, 0)
    for item in items:
        key = buckets.bucket_for((as_of - item.due_date).days).key
        totals[key] = totals[key] + item.open
        count[key] += 1
    return AgingReport(as_of=as_of, currency=currency, totals=totals, count=count)
