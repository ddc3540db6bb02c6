"""Read a payment history CSV for `relance predict evaluate`.

Columns (header required, in any order, `,` or `;` separated, UTF-8 with or without BOM):
`customer_id,invoice_id,invoice_date,due_date,amount,paid_date[,disputed]`. Dates as
yyyy-mm-dd or dd/mm/yyyy; amounts with a dot or a decimal comma; `paid_date` empty for an
invoice not paid yet; `disputed` 1/0, true/false, yes/no, oui/non (empty = no).

Every problem is reported with its line and field; nothing is returned when there is any.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from relance.core.errors import BadInput
from relance.domain.calendar import DateParseError, parse_date
from relance.domain.money import MoneyError, parse_amount
from relance.domain.prediction import HistoryRow

REQUIRED = ("customer_id", "invoice_id", "invoice_date", "due_date", "amount", "paid_date")
OPTIONAL = ("disputed",)
TRUE = {"1", "true", "yes", "oui", "y", "o"}
FALSE = {"", "0", "false", "no", "non", "n"}
#: Errors listed before the rest are summarised.
SHOWN = 20


def read_history(path: Path) -> list[HistoryRow]:
    """The rows of `path`, or BadInput listing the first errors (file, line, field, why)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not UTF-8 (byte {exc.start})") from exc
    return parse_history(text, str(path))


def parse_history(text: str, name: str = "history") -> list[HistoryRow]:
    if not text.strip():
        raise BadInput(f"{name}: the file is empty")
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BadInput(f"{name}, line 1: missing column(s) {', '.join(missing)}")
    unknown = [h for h in header if h not in REQUIRED + OPTIONAL]
    if unknown:
        raise BadInput(f"{name}, line 1: unknown column(s) {', '.join(unknown)}")
    index = {h: i for i, h in enumerate(header)}
    rows: list[HistoryRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.append(f"line {number}: {len(cells)} fields, the header has {len(header)}")
            continue
        row, row_errors = _row(cells, index, number)
        errors.extend(f"line {number}, field {field}: {why}" for field, why in row_errors)
        if row is None:
            continue
        if row.invoice_id in seen:
            errors.append(
                f"line {number}, field invoice_id: '{row.invoice_id}' already on line "
                f"{seen[row.invoice_id]}"
            )
            continue
        seen[row.invoice_id] = number
        rows.append(row)
    if errors:
        more = f" (and {len(errors) - SHOWN} more)" if len(errors) > SHOWN else ""
        raise BadInput(f"{name}: " + "; ".join(errors[:SHOWN]) + more)
    if not rows:
        raise BadInput(f"{name}: no invoice in the file")
    return rows


def _row(
    cells: list[str], index: dict[str, int], number: int
) -> tuple[HistoryRow | None, list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []

    def text(field: str) -> str:
        return cells[index[field]].strip() if field in index else ""

    def day(field: str, required: bool = True) -> date | None:
        value = text(field)
        if not value:
            if required:
                errors.append((field, "empty"))
            return None
        try:
            return parse_date(value)
        except DateParseError as exc:
            errors.append((field, str(exc)))
            return None

    customer, invoice = text("customer_id"), text("invoice_id")
    if not customer:
        errors.append(("customer_id", "empty"))
    if not invoice:
        errors.append(("invoice_id", "empty"))
    issued, due, paid = day("invoice_date"), day("due_date"), day("paid_date", required=False)
    amount: Decimal | None = None
    try:
        amount = parse_amount(text("amount"))
        if amount < 0:
            errors.append(("amount", f"'{text('amount')}' is negative"))
    except MoneyError as exc:
        errors.append(("amount", str(exc)))
    flag = text("disputed").lower()
    if flag not in TRUE | FALSE:
        errors.append(("disputed", f"'{text('disputed')}': expected 1/0, true/false or yes/no"))
    if issued and due and due < issued:
        errors.append(("due_date", f"{due.isoformat()} is before the invoice date"))
    if errors or issued is None or due is None or amount is None:
        return None, errors
    return (
        HistoryRow(customer, invoice, issued, due, amount, paid, flag in TRUE, number),
        errors,
    )
