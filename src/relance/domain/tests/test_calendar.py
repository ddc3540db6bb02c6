from __future__ import annotations

from datetime import date

import pytest

from relance.domain.calendar import (
    DateParseError,
    PaymentTerms,
    TermsMethod,
    add_months,
    days_between,
    end_of_month,
    half_year_start,
    parse_date,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/12/2025", date(2025, 12, 31)),
        ("01-02-2026", date(2026, 2, 1)),
        ("05.03.2026", date(2026, 3, 5)),
        ("2026-03-05", date(2026, 3, 5)),
        ("2026-03-05T10:00:00", date(2026, 3, 5)),
        ("05/03/2026 00:00", date(2026, 3, 5)),
        ("5/3/2026", date(2026, 3, 5)),
        ("29/02/2024", date(2024, 2, 29)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "31/02/2025", "05/03/26", "2025/13/01", "hier", "13/13/2025", "29/02/2025", "2025-1-5"],
)
def test_parse_date_refuses(text: str) -> None:
    with pytest.raises(DateParseError):
        parse_date(text)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 11, 15), 3, date(2026, 2, 15)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 1, 10), -13, date(2023, 12, 10)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("issued", "days", "method", "due"),
    [
        (date(2025, 1, 15), 30, TermsMethod.NET, date(2025, 2, 14)),
        (date(2025, 1, 15), 60, TermsMethod.NET, date(2025, 3, 16)),
        # 45 jours fin de mois: +45 days then end of that month
        (date(2025, 1, 15), 45, TermsMethod.END_OF_MONTH_AFTER, date(2025, 3, 31)),
        # fin de mois + 45 jours: end of the issue month, then +45 days
        (date(2025, 1, 15), 45, TermsMethod.END_OF_MONTH_BEFORE, date(2025, 3, 17)),
        (date(2025, 1, 15), 0, TermsMethod.NET, date(2025, 1, 15)),
    ],
)
def test_payment_terms(issued: date, days: int, method: TermsMethod, due: date) -> None:
    assert PaymentTerms(days, method).due_date(issued) == due


def test_payment_terms_bounds() -> None:
    with pytest.raises(ValueError, match="0 to 365"):
        PaymentTerms(400)


def test_small_helpers() -> None:
    assert end_of_month(date(2024, 2, 3)) == date(2024, 2, 29)
    assert half_year_start(date(2025, 6, 30)) == date(2025, 1, 1)
    assert half_year_start(date(2025, 7, 1)) == date(2025, 7, 1)
    assert days_between(date(2025, 1, 1), date(2025, 3, 1)) == 59
