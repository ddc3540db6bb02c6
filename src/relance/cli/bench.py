"""`relance bench import|aging|run --invoices N --json`: speed and memory, measured in one run.

`relance bench match` runs the matching engine in memory, in this process (no database).

Each command runs the size asked for, and a tenth of it, each in a fresh process
with its own temporary SQLite database, and reports the ratios between the two.
`bench run` uses the database of RELANCE_BENCH_DATABASE_URL instead when it is set
(its schema is dropped and recreated by each step).
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date
from pathlib import Path

import typer

from relance.cli.base import app, clean_errors, fail, out, setup_django

bench_app = typer.Typer(help="Benchmarks (JSON on stdout). Figures: docs/benchmarks.md.")
app.add_typer(bench_app, name="bench")


def _print(result: dict[str, object], as_json: bool) -> None:
    if as_json:
        out.print(json.dumps(result), highlight=False, soft_wrap=True)
    else:
        for key, value in result.items():
            out.print(f"{key}: {value}")


def _two_sizes(kind: str, n: int, extra: list[str], time_key: str = "seconds") -> dict[str, object]:
    from relance.bench.measure import run_step

    small_n = max(1, n // 10)
    with (
        tempfile.TemporaryDirectory(prefix="relance-bench-") as a,
        tempfile.TemporaryDirectory(prefix="relance-bench-") as b,
    ):
        small = run_step([f"{kind}-once", "--invoices", str(small_n), *extra], Path(a))
        big = run_step([f"{kind}-once", "--invoices", str(n), *extra], Path(b))
    result = dict(big)
    result["small"] = small
    big_s, small_s = float(big[time_key]), float(small[time_key])  # type: ignore[arg-type]
    result["time_ratio"] = round(big_s / max(small_s, 1e-6), 2)
    result["size_ratio"] = round(n / small_n, 2)
    result["rss_ratio"] = round(float(big["peak_rss_mb"]) / float(small["peak_rss_mb"]), 2)  # type: ignore[arg-type]
    return result


def _as_of(text: str) -> date:
    """The --date of a bench, or exit 2 with the reason."""
    from relance.domain.calendar import DateParseError, parse_date

    try:
        return parse_date(text)
    except DateParseError as exc:
        fail(f"--date: {exc}")


@bench_app.command("import")
def bench_import(
    invoices: int = typer.Option(100_000, "--invoices", min=10),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Generate a CSV of N invoices over N/10 customers and import it (and N/10 for the ratios)."""
    with clean_errors():
        _print(_two_sizes("import", invoices, []), as_json)


@bench_app.command("aging")
def bench_aging(
    invoices: int = typer.Option(100_000, "--invoices", min=10),
    as_json: bool = typer.Option(False, "--json"),
    as_of: str = typer.Option("2025-12-31", "--date"),
) -> None:
    """Aging of N invoices (half of them paid) at a date (and N/10 for the ratios)."""
    with clean_errors():
        _print(_two_sizes("aging", invoices, ["--date", as_of]), as_json)


@bench_app.command("run")
def bench_run(
    invoices: int = typer.Option(1_000_000, "--invoices", min=10),
    as_json: bool = typer.Option(False, "--json"),
    as_of: str = typer.Option("2025-12-31", "--date"),
) -> None:
    """Dunning run over N open invoices and N/10 customers (and N/10 for the ratios).

    Set RELANCE_BENCH_DATABASE_URL (e.g. postgres://postgres@127.0.0.1/relance_bench) to
    run on that database instead of SQLite: its schema is dropped and recreated.
    """
    with clean_errors():
        _print(_two_sizes("run", invoices, ["--date", as_of], time_key="plan_s"), as_json)


@bench_app.command("profiles")
def bench_profiles(
    invoices: int = typer.Option(1_000_000, "--invoices", min=10),
    as_json: bool = typer.Option(False, "--json"),
    as_of: str = typer.Option("2025-12-31", "--date"),
) -> None:
    """Recompute every risk profile and segment over N invoices (and N/10 for the ratios)."""
    with clean_errors():
        _print(_two_sizes("profiles", invoices, ["--date", as_of]), as_json)


@bench_app.command("profiles-once", hidden=True)
def bench_profiles_once(
    invoices: int = typer.Option(..., "--invoices", min=1),
    as_json: bool = typer.Option(False, "--json"),
    as_of: str = typer.Option("2025-12-31", "--date"),
) -> None:
    setup_django()
    from relance.bench import profiles
    from relance.cli.base import migrate

    day = _as_of(as_of)
    migrate()
    _print(profiles.run(invoices, day), as_json)


@bench_app.command("import-once", hidden=True)
def bench_import_once(
    invoices: int = typer.Option(..., "--invoices", min=1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    setup_django()
    from relance.bench import importing
    from relance.cli.base import migrate

    migrate()
    _print(importing.run(invoices), as_json)


@bench_app.command("aging-once", hidden=True)
def bench_aging_once(
    invoices: int = typer.Option(..., "--invoices", min=1),
    as_json: bool = typer.Option(False, "--json"),
    as_of: str = typer.Option("2025-12-31", "--date"),
) -> None:
    setup_django()
    from relance.bench import aging
    from relance.cli.base import migrate

    day = _as_of(as_of)
    migrate()
    _print(aging.run(invoices, day), as_json)


@bench_app.command("run-once", hidden=True)
def bench_run_once(
    invoices: int = typer.Option(..., "--invoices", min=1),
    as_json: bool = typer.Option(False, "--json"),
    as_of: str = typer.Option("2025-12-31", "--date"),
) -> None:
    url = os.environ.get("RELANCE_BENCH_DATABASE_URL")
    if url:
        os.environ["DATABASE_URL"] = url  # read by the settings, instead of the step's SQLite file
    setup_django()
    from relance.bench import run
    from relance.cli.base import migrate

    day = _as_of(as_of)
    run.reset_schema()
    migrate()
    _print(run.run(invoices, day), as_json)


@bench_app.command("match")
def bench_match(
    lines: int = typer.Option(100_000, "--lines", min=1),
    invoices: int = typer.Option(1_000_000, "--invoices", min=10),
    seed: int = typer.Option(2025, "--seed"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The matching engine on N generated bank lines against M open invoices (in memory)."""
    from relance.bench import match

    with clean_errors():
        if lines * 2 > invoices:
            # grouped payments take several invoices: keep enough for every line
            fail(f"--lines {lines}: at most half of --invoices ({invoices // 2})")
        _print(match.run(lines, invoices, seed), as_json)


@bench_app.command("dispatch")
def bench_dispatch(
    messages: int = typer.Option(2000, "--messages", min=1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The worker sending N planned emails to a local SMTP server (aiosmtpd): messages/s."""
    from relance.bench.measure import run_step

    with clean_errors(), tempfile.TemporaryDirectory(prefix="relance-bench-") as tmp:
        _print(run_step(["dispatch-once", "--messages", str(messages)], Path(tmp)), as_json)


@bench_app.command("dispatch-once", hidden=True)
def bench_dispatch_once(
    messages: int = typer.Option(..., "--messages", min=1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    setup_django()
    from relance.bench import dispatch
    from relance.cli.base import migrate

    migrate()
    _print(dispatch.run(messages), as_json)
