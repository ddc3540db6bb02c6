"""`relance import camt|ofx|cfonb|bank-csv FILE`: import bank statements.

Dispatched from `relance import` (cli/imports.py). Exit code 0 when the file was
read (duplicates are reported, not errors), 2 with the file, place, field and
reason when it cannot be read. See docs/banking.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from relance.cli.base import fail, out

if TYPE_CHECKING:
    from relance.banking.readers.csvfile import CsvMapping
    from relance.banking.services import ImportReport
    from relance.creditors.models import Creditor

#: kind on the command line → reader kind
BANK_KINDS = {"camt": "camt", "ofx": "ofx", "cfonb": "cfonb", "bank-csv": "csv"}


def _mapping(mapping_file: Path | None, pairs: list[str], account: str | None) -> CsvMapping:
    from django.utils.translation import gettext as _

    from relance.banking.readers.base import StatementError
    from relance.banking.readers.csvfile import CsvMapping

    values: dict[str, object] = {}
    if mapping_file is not None:
        if not mapping_file.is_file():
            fail(_("%(file)s: no such mapping file") % {"file": mapping_file})
        try:
            values.update(CsvMapping.load_values(mapping_file))
        except StatementError as exc:
            fail(str(exc))
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(
                _("--map %(pair)s: expected KEY=VALUE (e.g. --map amount=Montant)") % {"pair": pair}
            )
        values[key.strip()] = value
    if account and not values.get("account"):
        values["account"] = account
    if not values:
        fail(_("bank-csv needs a column mapping: --mapping FILE.json|.toml or --map KEY=VALUE"))
    try:
        return CsvMapping.from_dict(values, str(mapping_file or "--map"))
    except StatementError as exc:
        fail(str(exc))


def _print(report: ImportReport) -> None:
    from django.utils.translation import gettext as _

    for st in report.statements:
        period = " → ".join(p or "?" for p in st.period)
        if st.duplicate:
            state = _("duplicate statement: already imported, nothing stored")
        else:
            state = _("%(new)s new, %(dup)s duplicate lines") % {
                "new": st.new_lines,
                "dup": len(st.duplicate_lines),
            }
        head = _("statement %(id)s (%(account)s, %(format)s, %(period)s): %(lines)s lines") % {
            "id": st.statement_id,
            "account": st.account,
            "format": st.format,
            "period": period,
            "lines": st.lines,
        }
        out.print(f"{head}, {state}", highlight=False, soft_wrap=True)
        for line_id in st.duplicate_lines[:20]:
            out.print("  " + _("duplicate line %(id)s") % {"id": line_id}, highlight=False)
    for ret in report.returns:
        if ret.returned_line:
            outcome = _("reverses line %(line)s; invoices reopened: %(invoices)s") % {
                "line": ret.returned_line,
                "invoices": ", ".join(ret.reopened) or "-",
            }
        else:
            outcome = _("no earlier payment found: to review")
        head = _("return %(id)s %(amount)s (reason %(reason)s)") % {
            "id": ret.line_id,
            "amount": ret.amount,
            "reason": ret.reason or "?",
        }
        out.print(f"{head}: {outcome}", highlight=False)
    total = _(
        "%(statements)s statements, %(new)s new lines, %(dup)s duplicate lines, %(returns)s returns"
    ) % {
        "statements": len(report.statements),
        "new": report.new_lines,
        "dup": report.duplicate_lines,
        "returns": len(report.returns),
    }
    if report.duplicate_file:
        total += " " + _("(this file was imported before)")
    if report.dry_run:
        total = _("dry run, nothing written: %(summary)s") % {"summary": total}
    out.print(total, highlight=False)


def run(
    kind: str,
    file: Path,
    *,
    owner: Creditor,
    dry_run: bool,
    as_json: bool,
    account: str | None,
    mapping_file: Path | None,
    pairs: list[str],
) -> None:
    """Import a statement file and print the report (JSON with `as_json`)."""
    from django.utils.translation import gettext as _

    from relance.banking.services import import_statements

    mapping = _mapping(mapping_file, pairs, account) if BANK_KINDS[kind] == "csv" else None
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(_("%(file)s: cannot read the file (%(why)s)") % {"file": file, "why": exc.strerror})
    report = import_statements(
        owner,
        data,
        file.name,
        BANK_KINDS[kind],
        mapping=mapping,
        account=account,
        dry_run=dry_run,
        match=True,
    )
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print(report)
