"""`relance plans …`: payment plans.

    relance plans sepa --from 2026-04-01 --to 2026-04-30 --out debits.xml [--creditor ID]

writes the SEPA direct-debit file (pain.008.001.08, validated against its XSD) of the
instalments due in the period for the active plans with a mandate. Bad input (dates, no
creditor identifier, nothing due): exit code 2 and a message.
"""

from __future__ import annotations

from pathlib import Path

import typer

from relance.cli.aging import pick_creditor
from relance.cli.base import app, clean_errors, fail, out, setup_django

plans_app = typer.Typer(help="Payment plans: the SEPA direct-debit file.", no_args_is_help=True)
app.add_typer(plans_app, name="plans")


@plans_app.command("sepa")
def sepa_command(
    start: str = typer.Option(..., "--from", help="First due date (dd/mm/yyyy or yyyy-mm-dd)."),
    end: str = typer.Option(..., "--to", help="Last due date (included)."),
    dest: Path = typer.Option(..., "--out", help="Where to write the XML file."),  # noqa: B008
    creditor: str = typer.Option("", "--creditor", help="Creditor id or SIREN."),
) -> None:
    """Write the pain.008 file of the instalments due from --from to --to."""
    setup_django()
    from relance.domain.calendar import DateParseError, parse_date
    from relance.negotiation.sepa import debit_file

    with clean_errors():
        try:
            first = parse_date(start)
        except DateParseError as exc:
            fail(f"--from: {exc}")
        try:
            last = parse_date(end)
        except DateParseError as exc:
            fail(f"--to: {exc}")
        chosen = pick_creditor(creditor or None)
        made = debit_file(chosen, first, last)  # type: ignore[arg-type]
        try:
            dest.write_bytes(made.xml)
        except OSError as exc:
            fail(f"--out: cannot write {dest}: {exc.strerror}")
        amount = f"{made.total_minor // 100}.{made.total_minor % 100:02d}"
        out.print(f"{made.count} direct debits, {amount} EUR, written to {dest}", highlight=False)
