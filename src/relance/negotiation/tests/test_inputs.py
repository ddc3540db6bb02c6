"""The negotiation forms' inputs: read, or refused with the field's name and why."""

from __future__ import annotations

from datetime import date

import pytest

from relance.core.errors import BadInput
from relance.negotiation import inputs


def test_dates() -> None:
    assert inputs.day(" 2026-03-01 ", "from") == date(2026, 3, 1)
    assert inputs.optional_day("  ", "from") is None
    with pytest.raises(BadInput, match="from: a date is required"):
        inputs.day("", "from")
    with pytest.raises(BadInput, match=r"from: “01/03/2026” is not a date \(YYYY-MM-DD\)"):
        inputs.optional_day("01/03/2026", "from")


def test_amounts() -> None:
    assert inputs.minor("1 234,56", "EUR", "amount") == 123456
    assert inputs.optional_minor("", "EUR", "amount") is None
    with pytest.raises(BadInput, match="amount: an amount is required"):
        inputs.minor(" ", "EUR", "amount")
    with pytest.raises(BadInput, match="amount: 'abc' is not an amount"):
        inputs.minor("abc", "EUR", "amount")
    with pytest.raises(BadInput, match=r"amount: .* too large an amount"):
        inputs.minor("9" * 40, "EUR", "amount")
    with pytest.raises(BadInput, match=r"amount: .*more decimals"):
        inputs.minor("10,555", "JPY", "amount")


def test_whole_numbers() -> None:
    assert inputs.whole("", "count", 3) == 3
    assert inputs.whole(" 12 ", "count", 3) == 12
    with pytest.raises(BadInput, match="count: “douze” is not a whole number"):
        inputs.whole("douze", "count", 3)
