from __future__ import annotations

from decimal import Decimal

import pytest

from relance.domain.money import (
    CurrencyError,
    CurrencyMismatch,
    Money,
    MoneyError,
    exponent,
    parse_amount,
    sum_money,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", "12"),
        ("1234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1\u202f234,5", "1234.5"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567", "1234567"),
        ("-15,20", "-15.20"),
        ("+7", "7"),
        ("  42,00  ", "42.00"),
    ],
)
def test_parse_amount_reads_what_people_write(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["", "   ", "abc", "12,", ",5", "1.234.56", "1,2,3", "12€", "1.23,4,5", "--3"]
)
def test_parse_amount_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("currency", "digits"),
    [("EUR", 2), ("USD", 2), ("GBP", 2), ("JPY", 0), ("TND", 3)],
)
def test_exponent(currency: str, digits: int) -> None:
    assert exponent(currency) == digits


@pytest.mark.parametrize("code", ["XYZ", "chf", "EURO", "", "E1R"])
def test_unknown_currency_is_refused(code: str) -> None:
    with pytest.raises(CurrencyError):
        Money.of("1", code)


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [("0.10", "EUR", 10), ("1234.56", "EUR", 123456), ("-3.05", "EUR", -305), ("500", "JPY", 500)],
)
def test_minor_units_round_trip(value: str, currency: str, minor: int) -> None:
    money = Money.of(value, currency)
    assert money.minor == minor
    assert Money.from_minor(minor, currency) == money


def test_sums_are_exact() -> None:
    total = sum_money([Money.of("0.10", "EUR")] * 10, "EUR")
    assert total == Money.of("1.00", "EUR")
    assert (Money.of("0.30", "EUR") - Money.of("0.10", "EUR")).amount == Decimal("0.20")


def test_floats_and_excess_decimals_are_refused() -> None:
    with pytest.raises(MoneyError):
        Money(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money.of("0.005", "EUR")
    with pytest.raises(MoneyError):
        Money.of("1.5", "JPY")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("2.675", "2.68"),
        ("-0.005", "-0.01"),
        ("1.115", "1.12"),
    ],
)
def test_round_half_up_away_from_zero(value: str, expected: str) -> None:
    assert Money.round(Decimal(value), "EUR").amount == Decimal(expected)


def test_times_rounds_once() -> None:
    assert Money.of("100.00", "EUR").times(Decimal("0.0333")) == Money.of("3.33", "EUR")
    assert Money.of("10.00", "EUR").times(3) == Money.of("30.00", "EUR")


def test_currencies_do_not_mix() -> None:
    with pytest.raises(CurrencyMismatch):
        Money.of("1", "EUR") + Money.of("1", "USD")
    with pytest.raises(CurrencyMismatch):
        _ = Money.of("1", "EUR") < Money.of("2", "GBP")


def test_comparisons_and_signs() -> None:
    a, b = Money.of("1", "EUR"), Money.of("2", "EUR")
    assert a < b and b > a and a <= a and b >= a
    assert (-a).is_negative and abs(-a) == a and Money.zero("EUR").is_zero and b.is_positive
    assert str(Money.of("1234.5", "EUR")) == "1234.50 EUR"


def test_an_amount_too_large_for_the_decimal_context_is_a_money_error() -> None:
    with pytest.raises(MoneyError, match="too large an amount"):
        Money.of("9" * 40, "EUR")
    assert Money.of("9" * 20, "EUR").minor == int("9" * 20) * 100  # large, but within
