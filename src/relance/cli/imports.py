"""`relance import KIND FILE`: import customers, contacts, invoices or payments (CSV/XLSX).

All-or-nothing: any error and nothing is written; `--dry-run` shows what would be
stored. Exit code 0 when the file was taken (or would be, in a dry run), 2 otherwise.
See docs/import-formats.md for the columns of each kind.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from relance.cli import banking
from relance.cli.base import EXIT_BAD_INPUT, app, clean_errors, console, fail, out, setup_django

if TYPE_CHECKING:
    from relance.creditors.models import Creditor
    from relance.imports.service import ImportResult


class Kind(StrEnum):
    customers = "customers"
    contacts = "contacts"
    invoices = "invoices"
    payments = "payments"
    camt = "camt"
    ofx = "ofx"
    cfonb = "cfonb"
    bank_csv = "bank-csv"
    einvoice = "einvoice"  # relance.cli.einvoice: a Factur-X/CII/UBL file or folder
    lifecycle = "lifecycle"  # relance.cli.einvoice: e-invoice lifecycle statuses (CSV)
    fec = "fec"  # relance.cli.einvoice: Fichier des Écritures Comptables


class Lang(StrEnum):
    fr = "fr"
    en = "en"


#: Errors printed to the terminal (all are kept in the import batch and in --json).
SHOWN_ERRORS = 50


def find_creditor(ref: str | None) -> Creditor:
    """The creditor named by id or SIREN, or the only one there is."""
    from django.utils.translation import gettext as _

    from relance.creditors.models import Creditor

    if ref is None:
        creditors = list(Creditor.objects.order_by("pk")[:2])
        if not creditors:
            fail(_("no creditor yet: create one first (relance demo, or the web interface)"))
        if len(creditors) > 1:
            fail(_("there are several creditors: choose one with --creditor ID or SIREN"))
        return creditors[0]
    ref = ref.strip().replace(" ", "")
    found = None
    if ref.isdigit() and len(ref) == 9:
        found = Creditor.objects.filter(siren=ref).first()
    if found is None and ref.isdigit():
        found = Creditor.objects.filter(pk=int(ref)).first()
    if found is None:
        fail(_("no creditor with id or SIREN %(ref)s") % {"ref": ref})
    return found


def _print_result(result: ImportResult) -> None:
    from django.utils.translation import gettext as _

    counts = _(
        "%(kind)s: %(rows)s rows, %(created)s created, %(updated)s updated, %(unchanged)s unchanged"
    ) % {
        "kind": result.kind,
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }
    for error in result.errors[:SHOWN_ERRORS]:
        if error.line and error.field:
            where = _("line %(line)s, field %(field)s") % {"line": error.line, "field": error.field}
        elif error.line:
            where = _("line %(line)s") % {"line": error.line}
        else:
            where = _("file")
        console.print(f"[red]{where}:[/] {error.message}", highlight=False, markup=True)
    if len(result.errors) > SHOWN_ERRORS:
        console.print(
            _("… %(count)s more errors (see --json or the import page)")
            % {"count": len(result.errors) - SHOWN_ERRORS},
            highlight=False,
        )
    if result.dry_run:
        if result.ok:
            outcome = _("dry run: nothing written; the file can be imported")
        else:
            outcome = _("dry run: nothing written; %(count)s errors to fix") % {
                "count": len(result.errors)
            }
    elif result.applied:
        outcome = _("imported (batch %(batch)s)") % {"batch": result.batch.pk}
    else:
        outcome = _("refused: nothing was written (%(count)s errors)") % {
            "count": len(result.errors)
        }
    out.print(f"{counts}. {outcome}", highlight=False)
    if result.dry_run and result.preview:
        out.print(_("preview:"), highlight=False)
        for row in result.preview:
            shown = ", ".join(f"{k}={v}" for k, v in row.items() if v != "")
            out.print(f"  {shown}", highlight=False, soft_wrap=True)


@app.command("import")
def import_(
    kind: Annotated[Kind, typer.Argument(help="What the file holds.", case_sensitive=False)],
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or Windows-1252; ; , or tab) or XLSX.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and preview, write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    creditor: Annotated[
        str | None,
        typer.Option("--creditor", help="Creditor id or SIREN (default: the only creditor)."),
    ] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the error messages.")] = Lang.en,
    preview_rows: Annotated[
        int, typer.Option("--preview", min=0, help="Rows shown in a dry run.")
    ] = 10,
    account: Annotated[
        str | None, typer.Option("--account", help="Bank statements: the account's IBAN.")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="bank-csv: column mapping (.json/.toml).")
    ] = None,
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="bank-csv: KEY=VALUE mapping entry.")
    ] = None,
) -> None:
    """Import customers, contacts, invoices, payments (CSV/XLSX) or bank statements."""
    setup_django()
    from django.utils import translation
    from django.utils.translation import gettext as _

    from relance.imports.service import run_import

    with clean_errors(), translation.override(lang.value):
        if kind in (Kind.einvoice, Kind.lifecycle, Kind.fec):
            from relance.cli.einvoice import run_import as run_einvoice_import

            code = run_einvoice_import(
                kind.value,
                file,
                creditor=creditor,
                dry_run=dry_run,
                as_json=as_json,
                lang=lang.value,
            )
            raise typer.Exit(code)
        if not file.is_file():
            fail(_("%(file)s: no such file") % {"file": file})
        owner = find_creditor(creditor)
        if kind.value in banking.BANK_KINDS:
            banking.run(
                kind.value, file, owner=owner, dry_run=dry_run, as_json=as_json,
                account=account, mapping_file=mapping, pairs=map_ or [],
            )  # fmt: skip
            return
        if as_json:
            result = run_import(
                owner,
                kind.value,
                file,
                file_name=file.name,
                dry_run=dry_run,
                lang=lang.value,
                preview_rows=preview_rows,
            )
            typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.completed:,.0f} " + _("rows")),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task(f"{kind.value} ← {file.name}", total=None)
                result = run_import(
                    owner,
                    kind.value,
                    file,
                    file_name=file.name,
                    dry_run=dry_run,
                    lang=lang.value,
                    preview_rows=preview_rows,
                    progress=lambda rows: bar.update(task, completed=rows),
                )
            _print_result(result)
        if not result.ok:
            raise typer.Exit(EXIT_BAD_INPUT)
