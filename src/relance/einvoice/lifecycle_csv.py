"""`relance import lifecycle FILE`: lifecycle statuses from a CSV (or XLSX) file.

Columns (header names, any case; French names accepted): ``invoice`` (invoice number),
``status`` (200 to 213), ``date`` (as the other imports read dates), ``note`` (optional).
Every row is checked before anything is written: one bad row and nothing is recorded.
Rows already recorded (same invoice, status and date) are counted as unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.domain.calendar import DateParseError, parse_date
from relance.einvoice.lifecycle import CODES, record
from relance.einvoice.models import EventSource
from relance.imports.reader import FileRefused, open_table
from relance.ledger.models import Invoice

HEADERS: dict[str, tuple[str, ...]] = {
    "invoice": ("invoice", "invoice_number", "number", "facture", "numero", "numéro"),
    "status": ("status", "status_code", "code", "statut"),
    "date": ("date", "status_date", "date_statut"),
    "note": ("note", "comment", "commentaire", "motif"),
}
REQUIRED = ("invoice", "status", "date")


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str


@dataclass
class LifecycleImport:
    file: str
    dry_run: bool
    rows: int = 0
    recorded: int = 0
    unchanged: int = 0
    paused: int = 0
    lifted: int = 0
    payments: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "recorded": self.recorded,
            "unchanged": self.unchanged,
            "paused": self.paused,
            "lifted": self.lifted,
            "payments": self.payments,
            "errors": [
                {"line": e.line, "field": e.field, "message": e.message} for e in self.errors
            ],
        }


def _columns(header: list[str], name: str) -> dict[str, int]:
    normal = [h.strip().lower().replace(" ", "_").replace("-", "_") for h in header]
    found: dict[str, int] = {}
    for key, names in HEADERS.items():
        for i, h in enumerate(normal):
            if h in names:
                found[key] = i
                break
    lacking = [k for k in REQUIRED if k not in found]
    if lacking:
        raise BadInput(
            f"{name}: line 1: missing column(s) {', '.join(lacking)} "
            f"(expected: invoice, status, date, note; found: {', '.join(header) or 'nothing'})"
        )
    return found


def import_lifecycle(
    creditor: Creditor, path: Path, *, dry_run: bool = False, user: Any = None
) -> LifecycleImport:
    result = LifecycleImport(file=path.name, dry_run=dry_run)
    try:
        table = open_table(path, path.name, settings.RELANCE_IMPORT_MAX_BYTES)
    except FileRefused as exc:
        raise BadInput(f"{path.name}: {exc.issue.en}") from None
    parsed: list[tuple[int, str, int, date, str]] = []
    try:
        cols = _columns(table.header, path.name)
        for line, cells in table.rows:
            if not any(c.strip() for c in cells):
                continue
            result.rows += 1

            def cell(key: str, cells: list[str] = cells) -> str:
                i = cols.get(key)
                return cells[i].strip() if i is not None and i < len(cells) else ""

            number, code_text, day_text, note = (
                cell("invoice"),
                cell("status"),
                cell("date"),
                cell("note"),
            )
            bad = len(result.errors)
            if not number:
                result.errors.append(RowError(line, "invoice", "the invoice number is empty"))
            code = int(code_text) if code_text.isdigit() else 0
            if code not in CODES:
                result.errors.append(
                    RowError(line, "status", f"'{code_text}' is not a status from 200 to 213")
                )
            day: date | None = None
            try:
                day = parse_date(day_text)
            except DateParseError as exc:
                result.errors.append(RowError(line, "date", str(exc)))
            if len(note) > 500:
                result.errors.append(RowError(line, "note", "longer than 500 characters"))
            if len(result.errors) == bad and day is not None:
                parsed.append((line, number, code, day, note))
    finally:
        table.close()
    numbers = {number for _, number, _, _, _ in parsed}
    invoices = {i.number: i for i in Invoice.objects.filter(creditor=creditor, number__in=numbers)}
    for line, number, _, _, _ in parsed:
        if number not in invoices:
            result.errors.append(RowError(line, "invoice", f"no invoice {number} for {creditor}"))
    result.errors.sort(key=lambda e: e.line)
    if result.errors or dry_run:
        return result
    with transaction.atomic():
        # In date order, so that a lifting status finds the pause a pausing one opened.
        for _line, number, code, day, note in sorted(parsed, key=lambda p: (p[3], p[0])):
            done = record(invoices[number], code, day, note=note, source=EventSource.CSV, user=user)
            if done.recorded:
                result.recorded += 1
                result.paused += int(done.paused)
                result.lifted += done.lifted
                result.payments += int(done.payment is not None)
            else:
                result.unchanged += 1
    return result
