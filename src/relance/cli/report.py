"""`relance report weekly --to EMAIL [--date D]`: the management report by email."""

from __future__ import annotations

from typing import Annotated

import typer

from relance.cli.base import app, clean_errors, fail, out, setup_django

report_app = typer.Typer(help="Management reports.", no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("weekly")
def weekly_command(
    to: Annotated[list[str], typer.Option("--to", help="Recipient (repeat for several).")],
    as_of: Annotated[str, typer.Option("--date", help="As-of date (default: today).")] = "",
    lang: Annotated[str, typer.Option("--lang", help="fr or en.")] = "fr",
    creditor: Annotated[str, typer.Option("--creditor", help="Creditor id or SIREN.")] = "",
) -> None:
    """Email the dashboards (tables, CSV and SVG charts attached) through EMAIL_URL."""
    setup_django()
    from django.utils import timezone

    from relance.analytics.report import send_report
    from relance.cli.aging import pick_creditor
    from relance.creditors.models import Creditor
    from relance.domain.calendar import DateParseError, parse_date

    with clean_errors():
        if lang not in ("fr", "en"):
            fail("--lang: fr or en")
        try:
            day = parse_date(as_of) if as_of else timezone.localdate()
        except DateParseError as exc:
            fail(f"--date: {exc}")
        chosen = pick_creditor(creditor or None)
        assert isinstance(chosen, Creditor)
        try:
            send_report(chosen, day, to, lang)
        except OSError as exc:
            fail(f"the mail server refused or is unreachable: {exc}")
    out.print(f"report of {day.isoformat()} sent to {', '.join(to)}")
