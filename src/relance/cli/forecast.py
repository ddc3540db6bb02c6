"""`relance forecast --date D [--save] [--json]`: expected cash-in per week."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from relance.cli.base import app, clean_errors, fail, out, setup_django


@app.command("forecast")
def forecast_command(
    as_of: Annotated[str, typer.Option("--date", help="As-of date (dd/mm/yyyy or yyyy-mm-dd).")],
    save: Annotated[
        bool, typer.Option("--save", help="Store it, to compare with what comes in.")
    ] = False,
    weeks: Annotated[int, typer.Option("--weeks", help="Weeks ahead.")] = 13,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    creditor: Annotated[str, typer.Option("--creditor", help="Creditor id or SIREN.")] = "",
) -> None:
    """The cash expected each week from the open invoices (predicted pay dates)."""
    setup_django()
    from relance.analytics.forecast import forecast, save_forecast
    from relance.cli.aging import pick_creditor
    from relance.creditors.models import Creditor
    from relance.domain.calendar import DateParseError, parse_date
    from relance.domain.money import Money

    with clean_errors():
        try:
            day = parse_date(as_of)
        except DateParseError as exc:
            fail(f"--date: {exc}")
        if not 1 <= weeks <= 104:
            fail("--weeks: between 1 and 104")
        chosen = pick_creditor(creditor or None)
        assert isinstance(chosen, Creditor)
        result = forecast(chosen, day, weeks=weeks)
        if save:
            save_forecast(chosen, day, weeks=weeks)
    week_rows = [
        {
            "week_start": w.week_start.isoformat(),
            "currency": w.currency,
            "expected": str(Money.from_minor(w.expected_minor, w.currency).amount),
            "invoices": w.invoices,
        }
        for w in result.weeks
    ]
    payload = {
        "as_of": day.isoformat(),
        "saved": save,
        "weeks": week_rows,
        "later": {c: str(Money.from_minor(m, c).amount) for c, m in result.later.items()},
        "doubtful": {c: str(Money.from_minor(m, c).amount) for c, m in result.doubtful.items()},
    }
    if as_json:
        out.print_json(json.dumps(payload))
        return
    for w in week_rows:
        out.print(f"{w['week_start']}  {w['expected']:>14} {w['currency']}  ({w['invoices']})")
    for currency, amount in result.later.items():
        out.print(f"later       {Money.from_minor(amount, currency).amount:>14} {currency}")
    for currency, amount in result.doubtful.items():
        out.print(f"doubtful    {Money.from_minor(amount, currency).amount:>14} {currency}")
