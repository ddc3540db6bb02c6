"""`relance run --date D [--dry-run] [--json]`: plan the day's reminders."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from relance.cli.aging import pick_creditor
from relance.cli.base import app, clean_errors, console, fail, out, setup_django


@app.command("run")
def run_command(
    as_of: str = typer.Option(
        "", "--date", help="As-of date (dd/mm/yyyy or yyyy-mm-dd); default: today."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would go out on that date; write nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a one-line JSON summary."),
    creditor: str = typer.Option("", "--creditor", help="Creditor id or SIREN."),
) -> None:
    """Plan the reminders due on a date: one plan per date, never back-dated."""
    setup_django()
    from django.utils import timezone

    from relance.domain.calendar import DateParseError, parse_date
    from relance.dunning.services import plan_run
    from relance.dunning.tick import plan_day

    with clean_errors():
        try:
            day = parse_date(as_of) if as_of else timezone.localdate()
        except DateParseError as exc:
            fail(f"--date: {exc}")
        chosen = pick_creditor(creditor or None)
        failed: dict[str, str] = {}
        if dry_run:
            result = plan_run(chosen, day, dry_run=True)  # type: ignore[arg-type]
        else:
            planned = plan_day(chosen, day)  # type: ignore[arg-type]
            result, failed = planned.run, planned.failed
        summary = {**result.summary(), "failed_jobs": failed}
        for name, why in failed.items():
            console.print(f"daily job {name} failed ({why}); the run was planned all the same.")
        if as_json:
            out.print(json.dumps(summary), highlight=False, soft_wrap=True)
            return
        what = "would be planned" if dry_run else "planned"
        if summary["already_planned"]:
            out.print(f"The run of {day.isoformat()} was already planned: its plan stands.")
        out.print(
            f"{day.isoformat()}: {summary['messages']} messages to {summary['customers']} "
            f"customers {what} ({summary['actions']} actions, "
            f"{summary['needs_approval']} awaiting approval, {summary['holdbacks']} held back)."
        )
        table = Table(title="by step")
        table.add_column("step")
        table.add_column("actions", justify="right")
        for key, count in summary["by_step"].items():
            table.add_row(key, str(count))
        out.print(table)
