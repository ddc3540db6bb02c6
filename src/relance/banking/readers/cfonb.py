"""CFONB 120 (relevé de compte AFB 120 caractères), the French bank statement.

Records (one per 120-character line; a file without line breaks is cut every 120):
- 01 old balance, 07 new balance: account (bank, branch, account number), currency,
  number of decimals, date (DDMMYY) and the amount;
- 04 operation: interbank operation code, booking and value dates, reject reason
  code (a non-blank one makes the line a `LineKind.RETURN` with that reason), label,
  amount and reference;
- 05 complement of the 04 before it: qualifier (LIB label, NPY payer name, NBE
  beneficiary name, RCN customer reference = end-to-end id, REF bank reference…)
  and 70 characters. A 05 without a preceding 04 is refused.
Amounts are 14 characters whose last one carries the sign and the last digit:
'{' and A–I are +0 … +9, '}' and J–R are −0 … −9.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from relance.banking.readers.base import (
    StatementError,
    check_currency,
    clean_text,
    content_id,
    exact_money,
    unique_ids,
)
from relance.banking.readers.ofx import french_iban
from relance.domain.money import Money
from relance.domain.statements import LineKind, Statement, StatementLine

WIDTH = 120
_POSITIVE = {"{": 0, **{chr(ord("A") + i): i + 1 for i in range(9)}}
_NEGATIVE = {"}": 0, **{chr(ord("J") + i): i + 1 for i in range(9)}}


def signed_amount(text: str, decimals: int) -> Decimal:
    """The CFONB amount field (digits, the last character signed) as a Decimal.

    ValueError when it is not one.
    """
    raw = text.strip()
    body = raw[:-1].replace(" ", "0")
    if not raw or (body and not body.isdigit()):
        raise ValueError(f"'{text}' is not a CFONB amount")
    last = raw[-1]
    if last in _POSITIVE:
        sign, digit = 1, _POSITIVE[last]
    elif last in _NEGATIVE:
        sign, digit = -1, _NEGATIVE[last]
    elif last.isdigit():
        sign, digit = 1, int(last)
    else:
        raise ValueError(f"'{text}': '{last}' is not a CFONB sign character")
    units = int((body or "0") + str(digit))
    return Decimal(sign * units).scaleb(-decimals)


def _date(text: str, file: str, line: int, name: str) -> date:
    try:
        day, month, year = int(text[0:2]), int(text[2:4]), int(text[4:6])
        return date(2000 + year if year < 80 else 1900 + year, month, day)
    except ValueError:
        raise StatementError(
            file, f"line {line}", name, f"'{text}' is not a date (DDMMYY)"
        ) from None


@dataclass
class _Operation:
    line: int
    booking: date
    value: date | None
    amount: Money
    label: str
    reference: str
    reject: str
    complements: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Block:
    line: int
    bank: str
    branch: str
    account: str
    currency: str
    opening: Money
    start: date
    operations: list[_Operation] = field(default_factory=list)


class CfonbReader:
    kind = "cfonb"

    def identify(self, data: bytes) -> bool:
        head = data[:WIDTH].decode("latin-1")
        return (
            len(head) >= 2
            and head[:2] == "01"
            and (len(data) % WIDTH == 0 or "\n" in data[: WIDTH + 2].decode("latin-1"))
        )

    def read(self, data: bytes, filename: str) -> list[Statement]:
        text = data.decode("latin-1")
        if "\n" not in text and "\r" not in text and len(text) > WIDTH:
            records = [text[i : i + WIDTH] for i in range(0, len(text), WIDTH)]
        else:
            records = text.splitlines()
        statements: list[Statement] = []
        block: _Block | None = None
        for number, raw in enumerate(records, 1):
            record = raw.rstrip("\r\n")
            if not record.strip():
                continue
            if len(record) > WIDTH:
                raise StatementError(
                    filename, f"line {number}", "", f"{len(record)} characters, 120 expected"
                )
            record = record.ljust(WIDTH)
            code = record[0:2]
            if code == "01":
                if block is not None:
                    raise StatementError(
                        filename,
                        f"line {number}",
                        "01",
                        f"a new old-balance record before the new balance (07) of the "
                        f"statement opened line {block.line}",
                    )
                block = self._open(record, filename, number)
            elif code == "04":
                if block is None:
                    raise StatementError(
                        filename,
                        f"line {number}",
                        "04",
                        "an operation record (04) outside a statement (no 01 before it)",
                    )
                self._check_account(record, block, filename, number)
                block.operations.append(self._operation(record, block, filename, number))
            elif code == "05":
                if block is None or not block.operations:
                    raise StatementError(
                        filename,
                        f"line {number}",
                        "05",
                        "a complement record (05) without a preceding operation (04)",
                    )
                self._check_account(record, block, filename, number)
                qualifier = record[45:48]
                block.operations[-1].complements.append((qualifier, record[48:118].rstrip()))
            elif code == "07":
                if block is None:
                    raise StatementError(
                        filename,
                        f"line {number}",
                        "07",
                        "a new-balance record (07) without an old balance (01)",
                    )
                self._check_account(record, block, filename, number)
                statements.append(self._close(record, block, filename, number))
                block = None
            else:
                raise StatementError(
                    filename,
                    f"line {number}",
                    "record code",
                    f"'{code}' is not a CFONB 120 record (01, 04, 05 or 07)",
                )
        if block is not None:
            raise StatementError(
                filename,
                f"line {block.line}",
                "07",
                "the statement opened here has no new-balance record (07)",
            )
        if not statements:
            raise StatementError(filename, "line 1", "01", "no statement (01 … 07) in the file")
        return statements

    def _amount(self, record: str, currency: str, file: str, line: int) -> Money:
        decimals_text = record[19]
        if not decimals_text.isdigit():
            raise StatementError(
                file, f"line {line}", "decimals", f"'{decimals_text}' is not a number of decimals"
            )
        try:
            value = signed_amount(record[90:104], int(decimals_text))
        except ValueError as exc:
            raise StatementError(file, f"line {line}", "amount", str(exc)) from None
        # more decimals than the currency has: accepted only when they are zeros
        return exact_money(str(value), currency, file, f"line {line}", "amount")

    def _open(self, record: str, file: str, line: int) -> _Block:
        currency = check_currency(record[16:19], file, f"line {line}", "currency")
        return _Block(
            line=line,
            bank=record[2:7],
            branch=record[11:16],
            account=record[21:32],
            currency=currency,
            opening=self._amount(record, currency, file, line),
            start=_date(record[34:40], file, line, "date"),
        )

    def _check_account(self, record: str, block: _Block, file: str, line: int) -> None:
        # Only the account number and currency are compared: sample files in the wild
        # repeat the account under another bank code.
        if record[21:32] != block.account or record[16:19] != block.currency:
            raise StatementError(
                file,
                f"line {line}",
                "account",
                f"account {record[21:32].strip()} {record[16:19]} inside the statement of "
                f"account {block.account.strip()} {block.currency} (line {block.line})",
            )

    def _operation(self, record: str, block: _Block, file: str, line: int) -> _Operation:
        value_text = record[42:48]
        return _Operation(
            line=line,
            booking=_date(record[34:40], file, line, "booking date"),
            value=_date(value_text, file, line, "value date") if value_text.strip() else None,
            amount=self._amount(record, block.currency, file, line),
            label=clean_text(record[48:79]),
            reference=clean_text(record[104:120]),
            reject=record[40:42].strip(),
        )

    def _close(self, record: str, block: _Block, file: str, line: int) -> Statement:
        closing = self._amount(record, block.currency, file, line)
        end = _date(record[34:40], file, line, "date")
        account = french_iban(block.bank, block.branch, block.account) or (
            f"{block.bank}-{block.branch}-{block.account.strip()}"
        )
        lines = [_line(op, account, file) for op in block.operations]
        ids = unique_ids(item.line_id for item in lines)
        lines = [replace(item, line_id=i) for item, i in zip(lines, ids, strict=True)]
        return Statement(
            statement_id=f"{account}-{block.start.isoformat()}-{end.isoformat()}",
            account_iban=account,
            currency=block.currency,
            format="cfonb120",
            lines=tuple(lines),
            opening_balance=block.opening,
            closing_balance=closing,
            period_start=block.start,
            period_end=end,
        )


def _line(op: _Operation, account: str, file: str) -> StatementLine:
    labels = [op.label] if op.label else []
    name = end_to_end = bank_ref = ""
    payer = beneficiary = ""
    for qualifier, text in op.complements:
        value = clean_text(text)
        if not value:
            continue
        if qualifier == "LIB":
            labels.append(value)
        elif qualifier == "NPY":
            payer = payer or value
        elif qualifier == "NBE":
            beneficiary = beneficiary or value
        elif qualifier == "RCN":
            end_to_end = end_to_end or clean_text(text[:35])
            purpose = clean_text(text[35:])
            if purpose:
                labels.append(purpose)
        elif qualifier == "REF":
            bank_ref = bank_ref or value
    name = payer if op.amount.is_positive or op.reject else beneficiary
    name = name or payer or beneficiary
    references = [*labels]
    if op.reference:
        references.append(op.reference)
    if end_to_end:
        references.append(end_to_end)
    if op.reject:
        kind = LineKind.RETURN
    else:
        kind = LineKind.CREDIT if op.amount.is_positive else LineKind.DEBIT
    result = StatementLine(
        line_id="",
        booking_date=op.booking,
        value_date=op.value,
        amount=op.amount,
        kind=kind,
        counterparty_name=name[:200],
        references=tuple(dict.fromkeys(references)),
        end_to_end_id=end_to_end,
        bank_reference=bank_ref or op.reference,
        return_reason=op.reject,
        source_line=f"line {op.line}",
    )
    return replace(result, line_id=content_id(result, account))
