"""`relance evidence export --customer ID --out FILE.zip`: a customer's evidence file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from relance.cli.aging import pick_creditor
from relance.cli.base import app, clean_errors, console, fail, out, setup_django

evidence_app = typer.Typer(help="Evidence files: every message sent, checked, with the ledger.")
app.add_typer(evidence_app, name="evidence")

#: Exit code when the file was written but an archived message no longer matches its hash.
EXIT_TAMPERED = 1


@evidence_app.command("export")
def export_command(
    customer: int = typer.Option(..., "--customer", help="Customer id."),
    out_path: str = typer.Option(..., "--out", help="The zip file to write."),
    creditor: str = typer.Option("", "--creditor", help="Creditor id or SIREN."),
) -> None:
    """Write the customer's evidence zip (index.pdf, index.json, messages, ledger.csv).

    Exit code 1 when an archived message no longer matches its SHA-256 (the file is written
    and the altered messages are listed), 2 on bad input.
    """
    setup_django()
    from relance.customers.models import Customer
    from relance.dunning.evidence import export_evidence

    out_file = Path(out_path)
    with clean_errors():
        chosen: Any = pick_creditor(creditor or None)
        found = Customer.objects.filter(creditor=chosen, pk=customer).first()
        if found is None:
            fail(f"--customer: no customer {customer} for this creditor")
        if out_file.suffix.lower() != ".zip":
            fail(f"--out: {out_file} must end in .zip")
        if not out_file.parent.is_dir():
            fail(f"--out: the folder {out_file.parent} does not exist")
        result = export_evidence(found)
        out_file.write_bytes(result.content)
        messages = sum(1 for e in result.entries if e.kind == "message")
        out.print(
            f"{out_file}: {len(result.entries)} entries, {messages} archived messages checked."
        )
        if result.tampered:
            ids = ", ".join(str(pk) for pk in result.tampered)
            console.print(
                f"[bold red]warning:[/] archived messages no longer match their SHA-256: {ids}",
                highlight=False,
            )
            raise typer.Exit(EXIT_TAMPERED)
