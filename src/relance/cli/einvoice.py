"""`relance check-invoice FILE`, and the e-invoice kinds of `relance import`.

check-invoice reads a Factur-X / ZUGFeRD PDF or a CII / UBL XML file and prints what it
holds and the mandatory mentions it lacks. Exit code 0: nothing missing; 1: mentions
missing; 2: the file cannot be read as an e-invoice (with the reason).
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from relance.cli.base import EXIT_BAD_INPUT, app, clean_errors, console, fail, out, setup_django

EXIT_MISSING = 1


class Lang(StrEnum):
    fr = "fr"
    en = "en"


def _reform_date(text: str | None) -> date:
    from relance.domain.mentions import REFORM_FROM

    if not text:
        return REFORM_FROM
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--reform-from: '{text}' is not a date written YYYY-MM-DD")


def _print_report(data: dict[str, Any]) -> None:
    from django.utils.translation import gettext as _

    inv = data["invoice"]
    kind = _("Credit note") if inv["kind"] == "credit_note" else _("Invoice")
    out.print(
        f"{kind} {inv['number']} ({inv['syntax']}, {_('profile')} {inv['profile']})",
        highlight=False,
    )
    rows = [
        (_("Issued"), inv["issue_date"]),
        (_("Due"), inv["due_date"] or inv["payment_terms"] or "—"),
        (
            _("Seller"),
            f"{inv['seller']['name']} {inv['seller']['siren']} {inv['seller']['vat_number']}",
        ),
        (
            _("Customer"),
            f"{inv['buyer']['name']} {inv['buyer']['siren']} {inv['buyer']['vat_number']}",
        ),
        (_("Total excl. tax"), f"{inv['total_excl_tax'] or '—'} {inv['currency']}"),
        (_("Total incl. tax"), f"{inv['total_incl_tax']} {inv['currency']}"),
        (_("Amount due"), f"{inv['amount_due']} {inv['currency']}"),
        (_("Lines"), str(inv["lines_count"])),
    ]
    for label, value in rows:
        out.print(f"  {label}: {' '.join(str(value).split())}", highlight=False)
    if not data["findings"]:
        out.print(_("No mandatory mention is missing."), highlight=False)
        return
    for f in data["findings"]:
        mark = {"missing": "✗", "not_in_profile": "·", "to_check": "?"}[f["status"]]
        out.print(f"  {mark} {f['code']}: {f['message']} [{f['basis']}]", highlight=False)


@app.command("check-invoice")
def check_invoice(
    file: Annotated[Path, typer.Argument(help="Factur-X / ZUGFeRD PDF, CII or UBL XML file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the messages.")] = Lang.en,
    reform_from: Annotated[
        str | None,
        typer.Option(
            "--reform-from",
            help="Date from which the reform's mentions apply (default 2026-09-01).",
        ),
    ] = None,
) -> None:
    """Read an e-invoice and list the mandatory mentions it lacks (exit 1 if any)."""
    setup_django()
    from django.utils import translation

    from relance.domain.mentions import check, missing
    from relance.einvoice.readers import read_file
    from relance.einvoice.report import report

    with clean_errors(), translation.override(lang.value):
        if not file.is_file():
            fail(f"{file}: no such file")
        inv, _format = read_file(file)
        findings = check(inv, reform_from=_reform_date(reform_from))
        data = report(inv, findings, lang.value)
        if as_json:
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            _print_report(data)
        if missing(findings):
            raise typer.Exit(EXIT_MISSING)


def run_import(
    kind: str,
    path: Path,
    *,
    creditor: str | None,
    dry_run: bool,
    as_json: bool,
    lang: str,
) -> int:
    """`relance import einvoice|lifecycle|fec …` (called by relance.cli.imports): exit code."""
    from django.utils.translation import gettext as _

    from relance.cli.imports import find_creditor

    if kind == "fec":
        from relance.einvoice.fec import import_fec

        if not path.is_file():
            fail(_("%(file)s: no such file") % {"file": path})
        fec = import_fec(find_creditor(creditor), path, dry_run=dry_run)
        if as_json:
            typer.echo(json.dumps(fec.as_dict(), ensure_ascii=False, indent=2))
        else:
            for err in fec.errors[:50]:
                where = _("line %(line)s, field %(field)s") % {"line": err.line, "field": err.field}
                console.print(f"[red]{where}:[/] {err.message}", highlight=False)
            created = ", ".join(f"{v} {k}" for k, v in sorted(fec.created.items()) if v) or "0"
            unchanged = ", ".join(f"{v} {k}" for k, v in sorted(fec.unchanged.items()) if v)
            summary = _(
                "FEC: %(lines)s lines, %(customer_lines)s on customer accounts; "
                "created: %(created)s"
            ) % {"lines": fec.lines, "customer_lines": fec.customer_lines, "created": created}
            if unchanged:
                summary += "; " + _("unchanged: %(unchanged)s") % {"unchanged": unchanged}
            out.print(summary, highlight=False)
            if fec.errors:
                out.print(_("refused: nothing was written"), highlight=False)
            elif dry_run:
                out.print(_("dry run: nothing written; the file can be imported"), highlight=False)
        return 0 if fec.ok else EXIT_BAD_INPUT

    if kind == "lifecycle":
        from relance.einvoice.lifecycle_csv import import_lifecycle

        if not path.is_file():
            fail(_("%(file)s: no such file") % {"file": path})
        result = import_lifecycle(find_creditor(creditor), path, dry_run=dry_run)
        if as_json:
            typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            for e in result.errors[:50]:
                where = _("line %(line)s, field %(field)s") % {"line": e.line, "field": e.field}
                console.print(f"[red]{where}:[/] {e.message}", highlight=False)
            out.print(
                _(
                    "lifecycle: %(rows)s rows, %(recorded)s recorded, %(unchanged)s unchanged, "
                    "%(paused)s pauses, %(lifted)s lifted, %(payments)s payments"
                )
                % result.as_dict(),
                highlight=False,
            )
            if result.errors:
                out.print(_("refused: nothing was written"), highlight=False)
            elif dry_run:
                out.print(_("dry run: nothing written; the file can be imported"), highlight=False)
        return 0 if result.ok else EXIT_BAD_INPUT

    from relance.einvoice.importing import import_path

    given = find_creditor(creditor) if creditor else None
    results = import_path(path, creditor=given, dry_run=dry_run)
    if not results:
        fail(_("%(file)s: no PDF or XML file in this folder") % {"file": path})
    if as_json:
        typer.echo(json.dumps([r.as_dict(lang) for r in results], ensure_ascii=False, indent=2))
    else:
        for r in results:
            if not r.ok:
                console.print(f"[red]{r.file}:[/] {r.error}", highlight=False)
                continue
            out.print(
                f"{r.file}: {r.status} {r.kind.replace('_', ' ')} {r.number} "
                f"({_('missing mentions')}: {r.missing})",
                highlight=False,
            )
            for w in r.warnings:
                out.print(f"  ! {w}", highlight=False)
            for f in r.findings:
                out.print(f"  - {f.code}: {f.message(lang)}", highlight=False)
    return 0 if all(r.ok for r in results) else EXIT_BAD_INPUT


__all__ = ["check_invoice", "clean_errors", "run_import"]
