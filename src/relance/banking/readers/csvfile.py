"""Bank statements exported as CSV, read through a column mapping.

The mapping names the columns (by header, case and accents as written, compared
without case): `date` and either `amount` (signed) or `debit` and `credit`
(two unsigned columns), optionally `value_date`, `label`, `reference`,
`counterparty`, `iban` and `line_id`; and the file's conventions: `delimiter`
(";" by default), `decimal` ("," or "."), `date_format` ("%d/%m/%Y"), `encoding`
("utf-8", falling back to "cp1252"), `skip_rows` (lines before the header),
`account` (the IBAN of the account, required: a CSV rarely says it) and
`currency` ("EUR"). It is given as a small JSON or TOML file, or built from
command-line options.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from relance.banking.readers.base import (
    StatementError,
    check_currency,
    clean_text,
    content_id,
    digest,
    exact_money,
    unique_ids,
)
from relance.domain.statements import LineKind, Statement, StatementLine

_SPACES = str.maketrans("", "", " \u00a0\u202f'")


@dataclass(frozen=True, slots=True)
class CsvMapping:
    """Which column holds what, and how the file writes numbers and dates."""

    account: str = ""
    date: str = ""
    amount: str = ""
    debit: str = ""
    credit: str = ""
    value_date: str = ""
    label: str = ""
    reference: str = ""
    counterparty: str = ""
    iban: str = ""
    line_id: str = ""
    currency: str = "EUR"
    delimiter: str = ";"
    decimal: str = ","
    date_format: str = "%d/%m/%Y"
    encoding: str = "utf-8"
    skip_rows: int = 0

    def __post_init__(self) -> None:
        if not self.account.strip():
            raise ValueError("the mapping needs the account (IBAN) the file belongs to")
        if not self.date.strip():
            raise ValueError("the mapping needs the date column")
        if not self.amount and not (self.debit and self.credit):
            raise ValueError("the mapping needs an amount column, or both debit and credit")
        if self.decimal not in {",", "."}:
            raise ValueError(f"decimal must be ',' or '.', not {self.decimal!r}")
        if len(self.delimiter) != 1:
            raise ValueError(f"delimiter must be one character, not {self.delimiter!r}")
        if self.skip_rows < 0:
            raise ValueError("skip_rows cannot be negative")

    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "mapping") -> CsvMapping:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise StatementError(
                source,
                "",
                ", ".join(unknown),
                f"unknown mapping keys (known: {', '.join(sorted(known))})",
            )
        try:
            cleaned = {k: (int(v) if k == "skip_rows" else str(v)) for k, v in values.items()}
            return cls(**cleaned)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise StatementError(source, "", "", str(exc)) from None

    @classmethod
    def load(cls, path: Path) -> CsvMapping:
        """A mapping from a .json or .toml file."""
        return cls.from_dict(cls.load_values(path), path.name)

    @staticmethod
    def load_values(path: Path) -> dict[str, Any]:
        """The keys of a .json or .toml mapping file, not checked yet."""
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise StatementError(
                str(path), "", "", f"cannot read the mapping: {exc.strerror}"
            ) from None
        try:
            if path.suffix.lower() == ".toml":
                values = tomllib.loads(raw.decode("utf-8"))
            else:
                values = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
            raise StatementError(path.name, "", "", f"not a valid mapping file: {exc}") from None
        if not isinstance(values, dict):
            raise StatementError(path.name, "", "", "the mapping must be an object of keys")
        return values


class CsvReader:
    kind = "csv"

    def __init__(self, mapping: CsvMapping) -> None:
        self.mapping = mapping

    def identify(self, data: bytes) -> bool:
        first = data[:2048].split(b"\n", 1)[0]
        return self.mapping.delimiter.encode() in first and b"<" not in first[:1]

    def _decode(self, data: bytes, file: str) -> str:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            return data.decode(self.mapping.encoding)
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace")
        except LookupError:
            raise StatementError(
                file, "", "encoding", f"unknown encoding {self.mapping.encoding!r}"
            ) from None

    def read(self, data: bytes, filename: str) -> list[Statement]:
        m = self.mapping
        currency = check_currency(m.currency, filename, "", "currency")
        text = self._decode(data, filename)
        if "\x00" in text:
            raise StatementError(filename, "", "", "not a text file (NUL characters)")
        lines = text.splitlines(keepends=True)[m.skip_rows :]
        rows = csv.reader(io.StringIO("".join(lines)), delimiter=m.delimiter)
        try:
            header = next(rows)
        except StopIteration:
            raise StatementError(filename, "", "", "the file is empty") from None
        except csv.Error as exc:
            raise StatementError(filename, f"line {m.skip_rows + 1}", "", str(exc)) from None
        columns = {clean_text(h).lower(): i for i, h in enumerate(header)}
        wanted = {
            name: getattr(m, name)
            for name in (
                "date",
                "amount",
                "debit",
                "credit",
                "value_date",
                "label",
                "reference",
                "counterparty",
                "iban",
                "line_id",
            )
            if getattr(m, name)
        }
        index: dict[str, int] = {}
        for name, column in wanted.items():
            key = clean_text(column).lower()
            if key not in columns:
                raise StatementError(
                    filename,
                    f"line {m.skip_rows + 1}",
                    column,
                    f"no column '{column}' in the header (columns: {', '.join(header)})",
                )
            index[name] = columns[key]
        account = m.account.replace(" ", "").upper()
        result: list[StatementLine] = []
        number = m.skip_rows + 1
        try:
            for number, row in enumerate(rows, m.skip_rows + 2):
                if not any(cell.strip() for cell in row):
                    continue
                result.append(self._line(row, index, number, filename, currency, account))
        except csv.Error as exc:
            raise StatementError(filename, f"line {number}", "", str(exc)) from None
        ids = unique_ids(line.line_id for line in result)
        result = [replace(line, line_id=i) for line, i in zip(result, ids, strict=True)]
        dates = [line.booking_date for line in result]
        return [
            Statement(
                statement_id=digest(account, *sorted(ids)),
                account_iban=account,
                currency=currency,
                format="csv",
                lines=tuple(result),
                period_start=min(dates) if dates else None,
                period_end=max(dates) if dates else None,
            )
        ]

    def _cell(self, row: list[str], index: dict[str, int], name: str) -> str:
        position = index.get(name)
        if position is None or position >= len(row):
            return ""
        return row[position].strip()

    def _number(self, text: str, file: str, line: int, column: str) -> Decimal:
        raw = text.translate(_SPACES)
        if self.mapping.decimal == ",":
            raw = raw.replace(".", "").replace(",", ".")
        else:
            raw = raw.replace(",", "")
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", raw):
            raise StatementError(file, f"line {line}", column, f"'{text}' is not an amount")
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise StatementError(
                file, f"line {line}", column, f"'{text}' is not an amount"
            ) from None

    def _date(self, text: str, file: str, line: int, column: str) -> date:
        try:
            return datetime.strptime(text, self.mapping.date_format).date()
        except ValueError:
            raise StatementError(
                file,
                f"line {line}",
                column,
                f"'{text}' is not a date written {self.mapping.date_format}"
                if text
                else "missing date",
            ) from None

    def _line(
        self,
        row: list[str],
        index: dict[str, int],
        line: int,
        file: str,
        currency: str,
        account: str,
    ) -> StatementLine:
        m = self.mapping
        booking = self._date(self._cell(row, index, "date"), file, line, m.date)
        value_text = self._cell(row, index, "value_date")
        value = self._date(value_text, file, line, m.value_date) if value_text else None
        if m.amount:
            text = self._cell(row, index, "amount")
            if not text:
                raise StatementError(file, f"line {line}", m.amount, "missing amount")
            number = self._number(text, file, line, m.amount)
            column = m.amount
        else:
            debit_text = self._cell(row, index, "debit")
            credit_text = self._cell(row, index, "credit")
            if not debit_text and not credit_text:
                raise StatementError(
                    file, f"line {line}", f"{m.debit}/{m.credit}", "neither debit nor credit"
                )
            debit = abs(self._number(debit_text, file, line, m.debit)) if debit_text else Decimal(0)
            credit = (
                abs(self._number(credit_text, file, line, m.credit)) if credit_text else Decimal(0)
            )
            number = credit - debit
            column = m.credit if credit else m.debit
        amount = exact_money(str(number), currency, file, f"line {line}", column)
        label = clean_text(self._cell(row, index, "label"))
        reference = clean_text(self._cell(row, index, "reference"))
        iban = self._cell(row, index, "iban").replace(" ", "").upper()[:34]
        result = StatementLine(
            line_id="",
            booking_date=booking,
            value_date=value,
            amount=amount,
            kind=LineKind.CREDIT if amount.is_positive else LineKind.DEBIT,
            counterparty_name=clean_text(self._cell(row, index, "counterparty"), 200),
            counterparty_iban=iban,
            references=tuple(dict.fromkeys(r for r in (reference, label) if r)),
            bank_reference=reference,
            source_line=f"line {line}",
        )
        given = self._cell(row, index, "line_id")[:140]
        return replace(result, line_id=given or content_id(result, account))
