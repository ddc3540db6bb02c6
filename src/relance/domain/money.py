"""Money: an exact Decimal amount in the minor units of its currency.

A Money is always a whole number of minor units (cents for EUR). Rounding happens
only in `Money.round` (half-up by default), the one documented boundary where a
computed Decimal (interest, a share) becomes an amount.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.numbers import list_currencies

#: ISO 4217 currencies whose minor unit is not 2 digits.
CURRENCY_EXPONENTS: dict[str, int] = {
    **{
        c: 0
        for c in (
            "JPY",
            "ISK",
            "KRW",
            "CLP",
            "XOF",
            "XAF",
            "XPF",
            "VND",
            "UGX",
            "PYG",
            "RWF",
            "KMF",
            "GNF",
            "DJF",
            "BIF",
            "VUV",
        )
    },
    **{c: 3 for c in ("BHD", "KWD", "OMR", "TND", "JOD", "IQD", "LYD")},
}


class MoneyError(ValueError):
    """An amount or a currency that cannot be used."""


class CurrencyError(MoneyError):
    """Not an ISO 4217 code."""


class CurrencyMismatch(MoneyError):
    """Two amounts in different currencies were combined."""


def exponent(currency: str) -> int:
    if (
        len(currency) != 3
        or not currency.isascii()
        or not currency.isalpha()
        or not currency.isupper()
    ):
        raise CurrencyError(
            f"'{currency}' is not a currency code (three capital letters, e.g. EUR)"
        )
    if currency not in _iso_currencies():
        raise CurrencyError(f"'{currency}' is not an ISO 4217 currency")
    return CURRENCY_EXPONENTS.get(currency, 2)


@cache
def _iso_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


_QUANTA = {0: Decimal(1), 2: Decimal("0.01"), 3: Decimal("0.001")}


def _quantum(currency: str) -> Decimal:
    return _QUANTA[exponent(currency)]


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        amount = self.amount
        if isinstance(amount, float | bool):
            raise MoneyError("money is never a float: pass a Decimal or a string")
        if isinstance(amount, int):
            amount = Decimal(amount)
        if not isinstance(amount, Decimal) or not amount.is_finite():
            raise MoneyError(f"{amount!r} is not a finite decimal amount")
        quantum = _quantum(self.currency)
        try:
            exact = amount.quantize(quantum)
        except InvalidOperation:  # more digits than the decimal context holds
            raise MoneyError(f"{amount} is too large an amount") from None
        if exact != amount:
            raise MoneyError(
                f"{amount} has more decimals than {self.currency} allows;"
                " round explicitly with Money.round"
            )
        object.__setattr__(self, "amount", exact)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def of(cls, value: str | Decimal | int, currency: str) -> Money:
        if isinstance(value, str):
            try:
                value = Decimal(value)
            except InvalidOperation as exc:
                raise MoneyError(f"'{value}' is not an amount") from exc
        return cls(Decimal(value), currency)

    @classmethod
    def round(cls, value: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Money:
        return cls(value.quantize(_quantum(currency), rounding=rounding), currency)

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        return cls(Decimal(int(units)).scaleb(-exponent(currency)), currency)

    @property
    def minor(self) -> int:
        return int(self.amount.scaleb(exponent(self.currency)))

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} cannot be combined")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def times(self, factor: Decimal | int, rounding: str = ROUND_HALF_UP) -> Money:
        return Money.round(self.amount * Decimal(factor), self.currency, rounding)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def sum_money(items: Iterable[Money], currency: str) -> Money:
    total = Money.zero(currency)
    for item in items:
        total = total + item
    return total


_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'")


def parse_amount(text: str) -> Decimal:
    """Parse an amount written by a person or a file: "1 234,56", "1.234,56", "1,234.56", "12".

    The last of ',' or '.' is the decimal separator when followed by 1 or 2 digits
    (or 3 when the other separator also appears); the other is a thousands separator.
    Raises MoneyError with the reason otherwise.
    """
    s = text.strip().translate(_SPACES)
    if not s:
        raise MoneyError("empty amount")
    negative = s.startswith("-")
    body = s[1:] if negative or s.startswith("+") else s
    if not body or not body[0].isdigit() or not body[-1].isdigit():
        raise MoneyError(f"'{text}' is not an amount")
    comma, dot = body.rfind(","), body.rfind(".")
    if comma >= 0 and dot >= 0:
        decimal_sep = "," if comma > dot else "."
        thousands = "." if decimal_sep == "," else ","
        int_part, _, frac = body.rpartition(decimal_sep)
        groups = int_part.split(thousands)
        if decimal_sep in int_part or not all(len(g) == 3 for g in groups[1:]) or not groups[0]:
            raise MoneyError(f"'{text}': thousands separators are misplaced")
        int_part = "".join(groups)
    elif comma >= 0 or dot >= 0:
        sep = "," if comma >= 0 else "."
        parts = body.split(sep)
        if len(parts) == 2:
            # One separator: the decimal mark ("1234,56", "1234.5"); an amount with
            # more decimals than its currency allows is refused later by Money.
            int_part, frac = parts
        elif all(len(p) == 3 for p in parts[1:]):
            int_part, frac = "".join(parts), ""
        else:
            raise MoneyError(f"'{text}': cannot tell the decimal separator")
    else:
        int_part, frac = body, ""
    if not int_part.isdigit() or (frac and not frac.isdigit()):
        raise MoneyError(f"'{text}' is not an amount")
    value = Decimal(f"{'-' if negative else ''}{int_part}.{frac or '0'}")
    return value
