"""What every statement reader shares: the error type, the reader protocol, small parsers.

A reader turns the bytes of one file into `relance.domain.statements.Statement`s, or
raises `StatementError` saying where (file, line or element), which field and why.
Readers are pure Python (no Django): they never touch the database.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Protocol

from relance.domain.money import CurrencyError, Money, exponent
from relance.domain.statements import Statement, StatementLine


class StatementError(ValueError):
    """A statement file refused: which file, where in it, which field, why.

    `where` is a line number ("line 12") or an element path ("Stmt[1]/Ntry[3]/Amt"),
    `field` the name of the field in the format ("TRNAMT", "Amt", "amount").
    """

    def __init__(self, file: str, where: str, field: str, why: str) -> None:
        self.file = file
        self.where = where
        self.field = field
        self.why = why
        parts = [p for p in (file, where, field) if p]
        super().__init__(f"{', '.join(parts)}: {why}")

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "where": self.where, "field": self.field, "why": self.why}


class Reader(Protocol):
    """A statement format: recognise it, read it."""

    kind: str

    def identify(self, data: bytes) -> bool:
        """True when `data` looks like this format (cheap: the first bytes only)."""
        ...

    def read(self, data: bytes, filename: str) -> list[Statement]:
        """Every statement of the file, or `StatementError`."""
        ...


def check_currency(code: str, file: str, where: str, field: str) -> str:
    code = code.strip().upper()
    try:
        exponent(code)
    except CurrencyError:
        raise StatementError(file, where, field, f"'{code}' is not an ISO 4217 currency") from None
    return code


def exact_money(text: str, currency: str, file: str, where: str, field: str) -> Money:
    """An amount as the bank wrote it, in `currency`.

    More decimals than the currency has are accepted only when they are zeros
    ("18.150" EUR is 18.15): a bank books whole cents, so any other digit means the
    file is not what we think it is, and rounding it away would hide a real difference.
    """
    raw = text.strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise StatementError(file, where, field, f"'{raw}' is not an amount") from None
    if not value.is_finite():
        raise StatementError(file, where, field, f"'{raw}' is not an amount")
    if abs(value) >= Decimal(10) ** 15:
        raise StatementError(file, where, field, f"'{raw}' is too large an amount")
    quantum = Decimal(1).scaleb(-exponent(currency))
    exact = value.quantize(quantum)
    if exact != value:
        raise StatementError(
            file,
            where,
            field,
            f"'{raw}' has more decimals than {currency} allows (a bank books whole "
            "minor units); refused rather than rounded",
        )
    return Money(exact, currency)


def parse_iso_date(text: str, file: str, where: str, field: str) -> date:
    """YYYY-MM-DD, or the date part of an ISO 8601 date-time."""
    raw = text.strip()
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise StatementError(file, where, field, f"'{raw}' is not a date (YYYY-MM-DD)") from None


def digest(*parts: object) -> str:
    """A short stable identifier made of the given values."""
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def content_id(line: StatementLine, account: str) -> str:
    """The fields that make a line what it is, for lines without a bank reference."""
    return digest(
        account,
        line.booking_date.isoformat(),
        line.value_date.isoformat() if line.value_date else "",
        line.amount.amount,
        line.amount.currency,
        line.counterparty_name,
        line.counterparty_iban,
        "|".join(line.references),
        line.end_to_end_id,
    )


#: Longest line id stored (BankLine.line_id).
MAX_ID = 140


def unique_ids(ids: Iterable[str]) -> list[str]:
    """Make ids unique inside one statement: the n-th repeat of an id gets '#n'.

    Two identical payments on the same day without references are two lines; reading
    the same file again gives the same ids, so duplicates are still found. Ids are cut
    to `MAX_ID` characters, suffix included (the length stored).
    """
    seen: Counter[str] = Counter()
    out: list[str] = []
    for value in ids:
        value = value[: MAX_ID - 8]
        seen[value] += 1
        out.append(value if seen[value] == 1 else f"{value}#{seen[value]}")
    return out


def clean_text(value: str | None, limit: int = 500) -> str:
    """Whitespace collapsed, cut at `limit` characters."""
    if not value:
        return ""
    return " ".join(value.split())[:limit]
