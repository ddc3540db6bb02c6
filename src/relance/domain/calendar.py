"""Calendar helpers for business dates (plain `date`s; today is always passed in)."""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class DateParseError(ValueError):
    """A date that cannot be read."""


def add_days(d: date, n: int) -> date:
    return d + timedelta(days=n)


def end_of_month(d: date) -> date:
    return d.replace(day=_cal.monthrange(d.year, d.month)[1])


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, n: int) -> date:
    month0 = d.month - 1 + n
    year, month = d.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(d.day, _cal.monthrange(year, month)[1]))


def days_between(start: date, end: date) -> int:
    return (end - start).days


def half_year_start(d: date) -> date:
    return date(d.year, 1 if d.month <= 6 else 7, 1)


class TermsMethod(StrEnum):
    """How payment terms count: net days, or the two "fin de mois" readings."""

    NET = "net"
    END_OF_MONTH_AFTER = "eom_after"  # add N days, then the end of that month
    END_OF_MONTH_BEFORE = "eom_before"  # the end of the issue month, then add N days


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    days: int
    method: TermsMethod = TermsMethod.NET

    def __post_init__(self) -> None:
        if not 0 <= self.days <= 365:
            raise ValueError(f"payment terms of {self.days} days: expected 0 to 365")

    def due_date(self, issue_date: date) -> date:
        if self.method is TermsMethod.END_OF_MONTH_AFTER:
            return end_of_month(issue_date + timedelta(days=self.days))
        if self.method is TermsMethod.END_OF_MONTH_BEFORE:
            return end_of_month(issue_date) + timedelta(days=self.days)
        return issue_date + timedelta(days=self.days)


def _make(text: str, y: str, m: str, d: str) -> date:
    if not (y.isdigit() and m.isdigit() and d.isdigit()):
        raise DateParseError(f"'{text}': expected dd/mm/yyyy or yyyy-mm-dd")
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        raise DateParseError(f"'{text}' is not a valid date") from None


def parse_date(text: str) -> date:
    """Read dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy or yyyy-mm-dd.

    A time part after a space or a T is ignored.

    Two-digit years are refused: the century would be a guess.
    """
    s = text.strip()
    for cut in (" ", "T"):
        if cut in s:
            s = s.split(cut, 1)[0]
    if len(s) == 10:
        if s[4] == "-" and s[7] == "-":
            return _make(text, s[0:4], s[5:7], s[8:10])
        if s[2] == s[5] and s[2] in "/-.":
            return _make(text, s[6:10], s[3:5], s[0:2])
    if len(s) == 8 and s[2] == s[5] and s[2] in "/-.":
        raise DateParseError(f"'{text}': two-digit years are ambiguous, write dd/mm/yyyy")
    if not s:
        raise DateParseError("empty date")
    parts = s.replace("-", "/").replace(".", "/").split("/")
    if len(parts) == 3 and len(parts[2]) == 4:
        return _make(text, parts[2], parts[1], parts[0])
    raise DateParseError(f"'{text}': expected dd/mm/yyyy or yyyy-mm-dd")
