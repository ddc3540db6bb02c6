"""`relance risk recompute [--date D] [--json]`: profiles, segments, deposits and holds."""

from __future__ import annotations

import json
import time

import typer

from relance.cli.base import app, clean_errors, fail, out, setup_django

risk_app = typer.Typer(help="Behaviour profiles, segments, credit holds (docs/risk.md).")
app.add_typer(risk_app, name="risk")


@risk_app.command("recompute")
def recompute_command(
    as_of: str = typer.Option("", "--date", help="As-of date (default: today)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    creditor: str = typer.Option("", "--creditor", help="Creditor id or SIREN."),
) -> None:
    """Recompute every customer's profile, segment, deposit and hold at a date."""
    setup_django()
    from django.utils import timezone

    from relance.cli.aging import pick_creditor
    from relance.domain.calendar import DateParseError, parse_date
    from relance.risk.services import recompute

    with clean_errors():
        try:
            day = parse_date(as_of) if as_of else timezone.localdate()
        except DateParseError as exc:
            fail(f"--date: {exc}")
        chosen = pick_creditor(creditor or None)
        started = time.perf_counter()
        result = recompute(chosen, day)  # type: ignore[arg-type]
        payload = {
            "as_of": day.isoformat(),
            "creditor_id": chosen.pk,  # type: ignore[attr-defined]
            "customers": result.customers,
            "segments": dict(sorted(result.segments.items())),
            "held": len(result.held),
            "released": len(result.released),
            "webhooks_sent": result.webhooks_sent,
            "seconds": round(time.perf_counter() - started, 3),
        }
        if as_json:
            out.print(json.dumps(payload), highlight=False, soft_wrap=True)
            return
        out.print(f"{result.customers} customers profiled as of {day.isoformat()}.")
        for seg, n in payload["segments"].items():
            out.print(f"  {seg}: {n}")
        out.print(f"Put on hold: {len(result.held)}, released: {len(result.released)}.")
