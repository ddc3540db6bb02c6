"""The penalty engine against LEGAL.md §2's worked examples and hand computations."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from relance.domain.money import Money
from relance.domain.penalties import (
    Claim,
    Conventions,
    Jurisdiction,
    PartialPayment,
    PenaltyError,
    PenaltyResult,
    compute_penalty,
    jurisdiction_for_country,
)
from relance.domain.rates import RateBook, RateNotCovered, load_rate_book

BOOK = load_rate_book()
NO_SPLIT = Conventions(split_half_years=False)
LEAP = Conventions(leap_divisor_366=True)
DEFAULT = Conventions()


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def run(
    principal: str,
    due: str,
    until: str,
    conventions: Conventions = DEFAULT,
    book: RateBook = BOOK,
    currency: str = "EUR",
    **fields: Any,
) -> PenaltyResult:
    claim = Claim(
        Money.of(principal, currency), date.fromisoformat(due), date.fromisoformat(until), **fields
    )
    return compute_penalty(claim, book, conventions)


# LEGAL.md §2: B2B, actual/365, each day at its half-year's rate, total rounded half-up.
@pytest.mark.parametrize(
    ("principal", "due", "paid", "conventions", "interest", "days"),
    [
        ("10000.00", "2025-03-31", "2025-05-15", Conventions(), "162.12", 45),
        ("2500.00", "2024-01-15", "2024-03-15", Conventions(), "59.59", 60),
        ("2500.00", "2024-01-15", "2024-03-15", LEAP, "59.43", 60),
        ("5000.00", "2025-06-15", "2025-08-14", Conventions(), "101.92", 60),
        ("5000.00", "2025-06-15", "2025-08-14", NO_SPLIT, "108.08", 60),
        ("48000.00", "2022-11-30", "2023-03-01", Conventions(), "1393.97", 91),
        ("48000.00", "2022-11-30", "2023-03-01", NO_SPLIT, "1196.71", 91),
    ],
)
def test_worked_examples_of_legal_md(
    principal: str, due: str, paid: str, conventions: Conventions, interest: str, days: int
) -> None:
    result = run(principal, due, paid, conventions)
    assert result.interest == eur(interest)
    assert result.indemnity == eur("40.00")
    assert result.total == eur(interest) + eur("40.00")
    assert sum(s.days for s in result.segments) == days
    assert result.interest_from == date.fromisoformat(due) + timedelta(days=1)


def test_split_segments_show_each_half_year() -> None:
    # 5000 from 16 June to 14 August 2025: 15 days at 13.15 then 45 days at 12.15.
    result = run("5000.00", "2025-06-15", "2025-08-14")
    assert [(s.start, s.end, s.days, s.rate) for s in result.segments] == [
        (date(2025, 6, 16), date(2025, 6, 30), 15, Decimal("13.15")),
        (date(2025, 7, 1), date(2025, 8, 14), 45, Decimal("12.15")),
    ]
    # 5000 × 13.15 % × 15 / 365 = 27.0205… → 27.02; 5000 × 12.15 % × 45 / 365 = 74.897… → 74.90
    assert [s.amount for s in result.segments] == [eur("27.02"), eur("74.90")]
    assert result.basis == "ECB + 10"


def test_half_year_boundary_rate_rising() -> None:
    # Due 29 June 2023, paid 1 July: 30 June at 12.50 (2023 S1), 1 July at 14.00 (S2).
    result = run("36500.00", "2023-06-29", "2023-07-01")
    assert [(s.days, s.rate, s.amount) for s in result.segments] == [
        (1, Decimal("12.50"), eur("12.50")),
        (1, Decimal("14.00"), eur("14.00")),
    ]
    assert result.interest == eur("26.50")


def test_half_year_boundary_rate_falling() -> None:
    # Due 30 June 2025: interest starts on 1 July, all of it at the S2 rate (12.15, down
    # from 13.15). 36500 × 12.15 % × 10 / 365 = 121.50.
    result = run("36500.00", "2025-06-30", "2025-07-10")
    assert [(s.start, s.rate) for s in result.segments] == [(date(2025, 7, 1), Decimal("12.15"))]
    assert result.interest == eur("121.50")
    # Paid on 30 June (last day of S1), due 20 June: 10 days at 13.15 only.
    result = run("36500.00", "2025-06-20", "2025-06-30")
    assert [(s.days, s.rate) for s in result.segments] == [(10, Decimal("13.15"))]
    assert result.interest == eur("131.50")


def test_leap_years_with_the_366_divisor() -> None:
    # 10000, due 21 Dec 2023, paid 10 Jan 2024. 22-31 Dec: 10 days at 14.00 / 365 = 38.356164;
    # 1-10 Jan 2024: 10 days at 14.50 / 366 = 39.617486 (39.726027 with 365).
    assert run("10000.00", "2023-12-21", "2024-01-10", LEAP).interest == eur("77.97")
    assert run("10000.00", "2023-12-21", "2024-01-10").interest == eur("78.08")
    divisors = [s.divisor for s in run("10000.00", "2023-12-21", "2024-01-10", LEAP).segments]
    assert divisors == [365, 366]
    # Without the split but with 366, the year still splits (same rate 14.00, two divisors):
    # 38.356164 + 10000 × 14 % × 10 / 366 = 38.251366 → 76.61.
    both = Conventions(split_half_years=False, leap_divisor_366=True)
    result = run("10000.00", "2023-12-21", "2024-01-10", both)
    assert [(s.rate, s.divisor) for s in result.segments] == [
        (Decimal("14.00"), 365),
        (Decimal("14.00"), 366),
    ]
    assert result.interest == eur("76.61")


def test_partial_payments_reduce_the_base_from_the_next_day() -> None:
    # 10000 due 31 Mar 2025; 4000 paid 15 Apr, the rest 15 May (13.15 %).
    # 1-15 Apr on 10000: 54.041096; 16 Apr-15 May on 6000: 64.849315 → 118.89.
    result = run(
        "10000.00",
        "2025-03-31",
        "2025-05-15",
        payments=(PartialPayment(date(2025, 4, 15), eur("4000.00")),),
    )
    assert [(s.base, s.days) for s in result.segments] == [
        (eur("10000.00"), 15),
        (eur("6000.00"), 30),
    ]
    assert result.interest == eur("118.89")


def test_payment_before_due_and_after_until() -> None:
    # 2000 paid before the due date: 8000 bears interest for 45 days: 129.698630 → 129.70.
    # A payment after `until` changes nothing.
    result = run(
        "10000.00",
        "2025-03-31",
        "2025-05-15",
        payments=(
            PartialPayment(date(2025, 3, 20), eur("2000.00")),
            PartialPayment(date(2025, 6, 1), eur("100.00")),
        ),
    )
    assert result.interest == eur("129.70")
    assert len(result.segments) == 1


def test_fully_paid_by_instalments_stops_interest() -> None:
    result = run(
        "1000.00",
        "2025-03-31",
        "2025-05-15",
        payments=(PartialPayment(date(2025, 4, 10), eur("1000.00")),),
    )
    # 10 days on 1000 at 13.15 %: 3.60274 → 3.60; nothing after 10 April.
    assert [s.end for s in result.segments] == [date(2025, 4, 10)]
    assert result.interest == eur("3.60")


def test_not_late_no_interest_no_indemnity() -> None:
    result = run("1000.00", "2025-03-31", "2025-03-31")
    assert result.segments == () and result.interest == eur("0.00")
    assert result.indemnity == eur("0.00") and result.interest_from is None


def test_b2c_runs_from_the_formal_notice_at_the_legal_rate() -> None:
    # 1000 due 31 Mar 2025, notice 30 Apr, paid 30 May: 1-30 May, 30 days at 3.71 %
    # (legal rate, other cases, 2025 S1): 1000 × 3.71 % × 30 / 365 = 3.0493 → 3.05. No 40 €.
    result = run(
        "1000.00", "2025-03-31", "2025-05-30", consumer=True, notice_date=date(2025, 4, 30)
    )
    assert result.interest == eur("3.05")
    assert result.indemnity == eur("0.00")
    assert result.segments[0].start == date(2025, 5, 1)
    assert result.basis == "legal rate"


def test_b2c_without_notice_has_no_interest_and_says_why() -> None:
    result = run("1000.00", "2025-03-31", "2025-05-30", consumer=True)
    assert result.total == eur("0.00")
    assert [f.code for f in result.findings] == ["no_formal_notice"]


def test_contract_rate_below_the_floor_warns() -> None:
    # 9 % < 3 × 3.71 % = 11.13 % in 2025 S1. 10000 × 9 % × 45 / 365 = 110.9589 → 110.96.
    result = run("10000.00", "2025-03-31", "2025-05-15", contract_rate=Decimal("9"))
    assert result.interest == eur("110.96")
    warning = next(f for f in result.findings if f.code == "contract_rate_below_floor")
    assert warning.severity == "warning" and "2025-S1: 11.13 %" in warning.message
    above = run("10000.00", "2025-03-31", "2025-05-15", contract_rate=Decimal("12"))
    assert not [f for f in above.findings if f.code == "contract_rate_below_floor"]
    assert above.basis == "contractual"


def test_statutory_rate_below_floor_in_2024_is_surfaced() -> None:
    result = run("2500.00", "2024-01-15", "2024-03-15")
    assert [f.code for f in result.findings] == ["statutory_rate_below_floor"]


def test_germany_b2b_by_hand() -> None:
    # BGB §288(2): base rate + 9. 10000 due 20 June 2025, paid 20 July 2025.
    # 21-30 June: 10 days at 2.27 + 9 = 11.27 %: 10000 × 11.27 × 10 / 36500 = 30.876712 → 30.88
    # 1-20 July: 20 days at 1.27 + 9 = 10.27 %: 10000 × 10.27 × 20 / 36500 = 56.273973 → 56.27
    # interest = round(87.150685) = 87.15; + 40 € (§288(5)) = 127.15.
    result = run("10000.00", "2025-06-20", "2025-07-20", jurisdiction=Jurisdiction.DE)
    assert [s.amount for s in result.segments] == [eur("30.88"), eur("56.27")]
    assert result.interest == eur("87.15")
    assert result.total == eur("127.15")


def test_germany_consumer_by_hand() -> None:
    # §288(1): base rate + 5; 2024 S1 base rate 3.62 → 8.62 %. 1000 due 31 Mar 2024, paid
    # 30 Apr 2024: 30 days: 1000 × 8.62 × 30 / 36500 = 7.084932 → 7.08. No flat fee.
    result = run("1000.00", "2024-03-31", "2024-04-30", jurisdiction=Jurisdiction.DE, consumer=True)
    assert result.interest == eur("7.08") and result.indemnity == eur("0.00")


def test_uk_by_hand_rate_fixed_for_the_debt() -> None:
    # Interest starts 21 June 2025 (S1): reference date 31 Dec 2024, Bank Rate 4.75 → 12.75 %,
    # kept after 1 July. £5000 × 12.75 × 60 / 36500 = 104.794521 → 104.79; fixed sum £70.
    result = run(
        "5000.00", "2025-06-20", "2025-08-19", currency="GBP", jurisdiction=Jurisdiction.UK
    )
    assert [(s.days, s.rate) for s in result.segments] == [(60, Decimal("12.75"))]
    assert result.interest == Money.of("104.79", "GBP")
    assert result.indemnity == Money.of("70", "GBP")
    assert result.total == Money.of("174.79", "GBP")


@pytest.mark.parametrize(
    ("principal", "fixed"),
    [("999.99", "40"), ("1000.00", "70"), ("9999.99", "70"), ("10000", "100")],
)
def test_uk_fixed_sums(principal: str, fixed: str) -> None:
    result = run(
        principal, "2025-06-20", "2025-06-21", currency="GBP", jurisdiction=Jurisdiction.UK
    )
    assert result.indemnity == Money.of(fixed, "GBP")


def test_eu_default_by_hand() -> None:
    # Directive 2011/7: ECB + 8. Due 30 June 2023 → from 1 July (S2, ECB 4.00): 12 %.
    # 2000 × 12 × 30 / 36500 = 19.726027 → 19.73; + 40 €.
    result = run("2000.00", "2023-06-30", "2023-07-30", jurisdiction=Jurisdiction.EU)
    assert result.interest == eur("19.73") and result.total == eur("59.73")


def test_dates_not_covered_are_an_error_naming_table_and_date() -> None:
    with pytest.raises(RateNotCovered) as caught:
        run("1000.00", "2026-06-25", "2026-07-10")
    assert caught.value.table == "fr-ecb" and caught.value.day == date(2026, 7, 1)
    assert "fr-ecb" in str(caught.value) and "2026-07-01" in str(caught.value)
    with pytest.raises(RateNotCovered, match="de-basiszins"):
        run("1000.00", "2014-12-01", "2015-01-10", jurisdiction=Jurisdiction.DE)
    with pytest.raises(RateNotCovered, match="uk-boe"):
        run("1000.00", "2026-07-01", "2026-07-10", currency="GBP", jurisdiction=Jurisdiction.UK)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"jurisdiction": Jurisdiction.UK, "consumer": True}, "businesses only"),
        ({"jurisdiction": Jurisdiction.EU, "consumer": True}, "businesses only"),
        ({"payments": (PartialPayment(date(2025, 4, 1), Money.of("2000", "EUR")),)}, "exceed"),
        ({"payments": (PartialPayment(date(2025, 4, 1), Money.of("5", "USD")),)}, "USD"),
        ({"contract_rate": Decimal("-1")}, "0 to 100"),
        ({"indemnity": Money.of("40", "USD")}, "currency"),
    ],
)
def test_claims_the_rules_refuse(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(PenaltyError, match=message):
        run("1000.00", "2025-03-31", "2025-05-15", **fields)


@pytest.mark.parametrize(
    ("due", "until"), [("9999-12-31", "9999-12-31"), ("0001-01-01", "2025-01-01")]
)
def test_dates_out_of_range_refused(due: str, until: str) -> None:
    with pytest.raises(PenaltyError, match="between 1900 and 2999"):
        run("1000.00", due, until)


def test_uk_claim_in_euros_needs_its_indemnity() -> None:
    with pytest.raises(PenaltyError, match="GBP"):
        run("1000.00", "2025-03-31", "2025-05-15", jurisdiction=Jurisdiction.UK)


def test_indemnity_override_and_below_statutory_warning() -> None:
    result = run("1000.00", "2025-03-31", "2025-05-15", indemnity=eur("30.00"))
    assert result.indemnity == eur("30.00")
    assert "indemnity_below_statutory" in [f.code for f in result.findings]


def test_zero_and_huge_principal_refused() -> None:
    with pytest.raises(PenaltyError, match="positive"):
        run("0", "2025-03-31", "2025-05-15")
    with pytest.raises(PenaltyError, match="too large"):
        run("1000000000000000", "2025-03-31", "2025-05-15")


@pytest.mark.parametrize(
    ("country", "expected"),
    [("FR", Jurisdiction.FR), ("de", Jurisdiction.DE), ("GB", Jurisdiction.UK), ("BE", "EU")],
)
def test_jurisdiction_for_country(country: str, expected: str) -> None:
    assert jurisdiction_for_country(country) == expected
