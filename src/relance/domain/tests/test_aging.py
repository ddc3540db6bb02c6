from __future__ import annotations

from datetime import date, timedelta

import pytest

from relance.domain.aging import AgedItem, AgingBuckets, age
from relance.domain.money import CurrencyMismatch, Money

AS_OF = date(2025, 6, 30)


@pytest.mark.parametrize(
    ("days_overdue", "key"),
    [
        (-10, "not_due"),
        (0, "not_due"),
        (1, "d1_30"),
        (30, "d1_30"),
        (31, "d31_60"),
        (60, "d31_60"),
        (61, "d61_90"),
        (90, "d61_90"),
        (91, "d90_plus"),
        (4000, "d90_plus"),
    ],
)
def test_default_buckets(days_overdue: int, key: str) -> None:
    assert AgingBuckets.default().bucket_for(days_overdue).key == key


@pytest.mark.parametrize(
    ("bounds", "keys"),
    [
        ([15, 45], ["not_due", "d1_15", "d16_45", "d45_plus"]),
        ([30], ["not_due", "d1_30", "d30_plus"]),
        ([30, 60, 90, 180], ["not_due", "d1_30", "d31_60", "d61_90", "d91_180", "d180_plus"]),
    ],
)
def test_configurable_buckets(bounds: list[int], keys: list[str]) -> None:
    assert AgingBuckets.from_bounds(bounds).keys() == keys


@pytest.mark.parametrize("bounds", [[], [0, 30], [60, 30], [30, 30]])
def test_bad_bounds(bounds: list[int]) -> None:
    with pytest.raises(ValueError, match="bound"):
        AgingBuckets.from_bounds(bounds)


def test_labels_in_both_languages() -> None:
    bucket = AgingBuckets.default().bucket_for(45)
    assert bucket.label("fr") == "31 à 60 jours"
    assert bucket.label("en") == "31–60 days"


def test_age_sums_per_bucket() -> None:
    items = [
        AgedItem(AS_OF + timedelta(days=5), Money.of("100.00", "EUR")),
        AgedItem(AS_OF - timedelta(days=1), Money.of("10.00", "EUR")),
        AgedItem(AS_OF - timedelta(days=30), Money.of("20.00", "EUR")),
        AgedItem(AS_OF - timedelta(days=95), Money.of("0.01", "EUR")),
    ]
    report = age(items, AS_OF, "EUR")
    assert report.totals["not_due"] == Money.of("100.00", "EUR")
    assert report.totals["d1_30"] == Money.of("30.00", "EUR")
    assert report.count["d1_30"] == 2
    assert report.totals["d90_plus"] == Money.of("0.01", "EUR")
    assert report.total == Money.of("130.01", "EUR")
    assert report.overdue == Money.of("30.01", "EUR")


def test_age_refuses_mixed_currencies() -> None:
    with pytest.raises(CurrencyMismatch):
        age([AgedItem(AS_OF, Money.of("1", "USD"))], AS_OF, "EUR")
