from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from relance.domain.dso import Period, countback_periods, dso_countback


def periods(*sales: tuple[date, date, str]) -> list[Period]:
    return [Period(s, e, Decimal(v)) for s, e, v in sales]


MARCH = (date(2025, 3, 1), date(2025, 3, 31))
FEB = (date(2025, 2, 1), date(2025, 2, 28))
JAN = (date(2025, 1, 1), date(2025, 1, 31))


@pytest.mark.parametrize(
    ("receivables", "sales", "days", "capped"),
    [
        # 150 000 owed; March sales 100 000 (31 days) + 50/80 of February (28 days) = 48.5
        ("150000", [(*MARCH, "100000"), (*FEB, "80000")], "48.5", False),
        ("50000", [(*MARCH, "100000"), (*FEB, "80000")], "15.5", False),
        ("100000", [(*MARCH, "100000"), (*FEB, "80000")], "31.0", False),
        ("0", [(*MARCH, "100000")], "0.0", False),
        # a month without sales counts its days: 31 + 28 + 40/80 × 31
        ("120000", [(*MARCH, "0"), (*FEB, "80000"), (*JAN, "80000")], "74.5", False),
        # receivables larger than every sale of the horizon: capped
        ("500000", [(*MARCH, "100000"), (*FEB, "80000")], "59.0", True),
    ],
)
def test_countback(
    receivables: str, sales: list[tuple[date, date, str]], days: str, capped: bool
) -> None:
    result = dso_countback(Decimal(receivables), periods(*sales))
    assert result.days == Decimal(days)
    assert result.capped is capped


def test_countback_periods_start_with_the_month_to_date() -> None:
    got = countback_periods(date(2025, 3, 15), 3)
    assert got == [
        (date(2025, 3, 1), date(2025, 3, 15)),
        (date(2025, 2, 1), date(2025, 2, 28)),
        (date(2025, 1, 1), date(2025, 1, 31)),
    ]
