"""A dashboard `Table` as CSV or XLSX.

CSV: UTF-8 with a byte-order mark (so that spreadsheet programs read the accents), `;`
separated (the French default, where `,` is the decimal mark), amounts and percentages
with a decimal point, dates as yyyy-mm-dd. XLSX: numbers are numbers and dates are dates.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from relance.analytics.dashboards import Table


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_text(c) for c in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=table.key[:31])
    sheet.append(table.columns)
    for row in table.rows:
        sheet.append(list(row))  # Decimal, int and date cells are written as such
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
