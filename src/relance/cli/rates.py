"""`relance rates …`: the reference-rate tables behind the penalty computations.

    relance rates list [--table fr-ecb] [--json]
    relance rates add --table fr-ecb --half-year 2026-S2 --rate 2.15 --source URL [--legal-rate 2.5]

Added half-years go to RELANCE_RATES_DIR/<table>.csv (under RELANCE_DATA_DIR), merged over
the tables shipped with relance; a row for a half-year already there replaces it.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import typer
from rich.table import Table

from relance.cli.base import app, clean_errors, fail, out, setup_django

rates_app = typer.Typer(help="Reference-rate tables: list, add a half-year.", no_args_is_help=True)
app.add_typer(rates_app, name="rates")


def _percent(text: str, option: str) -> Decimal:
    from relance.domain.rates import RateError, parse_percent

    try:
        return parse_percent(text, option)
    except RateError as exc:
        fail(str(exc))


@rates_app.command("add")
def add(
    table: str = typer.Option(..., "--table", help="fr-ecb, de-basiszins or uk-boe."),
    half_year: str = typer.Option(..., "--half-year", help="e.g. 2026-S2."),
    rate: str = typer.Option(..., "--rate", help="Rate in percent (fr-ecb: the ECB rate)."),
    source: str = typer.Option(..., "--source", help="URL of the publication."),
    legal_rate: str = typer.Option("", "--legal-rate", help="fr-ecb: legal rate, other cases."),
    legal_rate_individual: str = typer.Option(
        "", "--legal-rate-individual", help="fr-ecb: legal rate, individual creditor."
    ),
    mark: str = typer.Option(
        "U", "--mark", help="V official text seen, S secondary, U unverified."
    ),
) -> None:
    """Add (or replace) one half-year of a rate table."""
    setup_django()
    from relance.domain.rates import (
        TABLES,
        HalfYear,
        RateError,
        RateRow,
        check_source,
        write_override,
    )
    from relance.ledger.penalties import rate_book, rates_dir

    with clean_errors():
        if table not in TABLES:
            fail(f"--table: '{table}' is not one of {', '.join(TABLES)}")
        try:
            row = RateRow(
                half_year=HalfYear.parse(half_year),
                rate=_percent(rate, "--rate"),
                source=check_source(source, "--source"),
                # The CLI is the boundary that may read the clock: the day the row is recorded.
                recorded=date.today(),
                mark=mark.strip().upper() if mark.strip().upper() in ("V", "S", "U") else "",
                legal_rate=_percent(legal_rate, "--legal-rate") if legal_rate else None,
                legal_rate_individual=(
                    _percent(legal_rate_individual, "--legal-rate-individual")
                    if legal_rate_individual
                    else None
                ),
            )
            if not row.mark:
                fail(f"--mark: '{mark}' is not one of V, S, U")
            path = write_override(rates_dir(), table, row)
            rate_book()  # the merged tables still load
        except RateError as exc:
            fail(str(exc))
        typer.echo(f"{table} {row.half_year}: {row.rate} % recorded in {path}")


@rates_app.command("list")
def list_rates(
    table: str = typer.Option("", "--table", help="Only this table."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every half-year of the rate tables, with its source and where it comes from."""
    setup_django()
    from relance.domain.rates import TABLES, RateError
    from relance.ledger.penalties import rate_book

    with clean_errors():
        if table and table not in TABLES:
            fail(f"--table: '{table}' is not one of {', '.join(TABLES)}")
        try:
            book = rate_book()
        except RateError as exc:
            fail(str(exc))
        names = [table] if table else list(TABLES)
        payload = {
            name: [
                {
                    "half_year": str(r.half_year),
                    "rate": str(r.rate),
                    **{
                        extra: (None if getattr(r, extra) is None else str(getattr(r, extra)))
                        for extra in TABLES[name]
                    },
                    "source": r.source,
                    "recorded": r.recorded.isoformat(),
                    "mark": r.mark,
                    "origin": r.origin,
                }
                for r in book.table(name).ordered()
            ]
            for name in names
        }
        if as_json:
            out.print(json.dumps(payload, ensure_ascii=False), highlight=False, soft_wrap=True)
            return
        for name in names:
            grid = Table(title=name)
            for column in ("half-year", "rate %", *TABLES[name], "mark", "origin", "source"):
                grid.add_column(column)
            for item in payload[name]:
                grid.add_row(
                    item["half_year"],
                    item["rate"],
                    *[item[e] or "" for e in TABLES[name]],
                    item["mark"],
                    item["origin"],
                    item["source"],
                )
            out.print(grid)
