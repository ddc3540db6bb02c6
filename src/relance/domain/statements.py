"""Bank statements as read from any format: the contract between parsers and matching.

Every statement reader (camt.05x, OFX, CFONB 120, CSV with a mapping) returns a
`Statement` made of `StatementLine`s; the matching engine reads nothing else. Values
are immutable; amounts are `Money` (credits positive, debits negative, as booked by
the bank); dates are business dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from relance.domain.money import Money


class LineKind(StrEnum):
    """What a line is, for collections."""

    CREDIT = "credit"  # money in: a customer paying
    DEBIT = "debit"  # money out
    RETURN = "return"  # a returned direct debit or a rejected / recalled transfer


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One booked entry (or one transaction detail of a batch booking).

    `line_id` is stable for the same entry read twice (the bank's entry reference when
    it gives one, else a digest of the line's fields): it is how duplicates are found.
    `references` are the remittance texts that may carry our references (structured
    creditor reference first, then unstructured remittance information, end-to-end id).
    `return_reason` is the ISO 20022 / CFONB reason code of a return (AC04, MD06, …).
    `source_line` is the line (or element path) of the source file, for error messages.
    `uetr` is the SWIFT/ISO 20022 unique end-to-end transaction reference when given.
    """

    line_id: str
    booking_date: date
    value_date: date | None
    amount: Money
    kind: LineKind
    counterparty_name: str = ""
    counterparty_iban: str = ""
    counterparty_bic: str = ""
    references: tuple[str, ...] = ()
    end_to_end_id: str = ""
    bank_reference: str = ""
    return_reason: str = ""
    source_line: str = ""
    uetr: str = ""


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement (or notification) of one account."""

    statement_id: str  # the bank's identifier, or a digest of the file's content
    account_iban: str
    currency: str
    format: str  # "camt.053.001.02", "ofx-2", "cfonb120", "csv", …
    lines: tuple[StatementLine, ...] = field(default_factory=tuple)
    opening_balance: Money | None = None
    closing_balance: Money | None = None
    period_start: date | None = None
    period_end: date | None = None
