"""`relance demo`: a demo creditor with a realistic French portfolio, then the server."""

from __future__ import annotations

import json
import os
from datetime import date

import typer

from relance.cli.base import app, clean_errors, console, migrate, out, setup_django


def _today() -> date:
    from django.utils import timezone

    return timezone.localdate()


@app.command("demo")
def demo(
    no_serve: bool = typer.Option(False, "--no-serve", help="Seed, print a JSON summary, stop."),
    as_of: str = typer.Option("", "--date", help="As-of date of the portfolio (default: today)."),
    customers: int = typer.Option(200, help="Number of customers."),
    invoices: int = typer.Option(5000, help="Number of invoices (over 18 months)."),
    seed: int = typer.Option(2026, help="Random seed (same seed and date, same portfolio)."),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
) -> None:
    """Create the demo portfolio (once) and start the server on 127.0.0.1:8000."""
    # The demo's reminders link to its own debtor portal, with the local test payment page
    # (the environment decides when set; the worker started below inherits both).
    if not no_serve:
        os.environ.setdefault("RELANCE_PORTAL_URL", f"http://{host}:{port}")
        os.environ.setdefault("RELANCE_PAYMENT_PROVIDER", "local")
    setup_django()
    from relance.demo.generator import DEMO_PASSWORD, existing_demo, seed_demo
    from relance.demo.summary import summary

    with clean_errors():
        from relance.domain.calendar import parse_date

        day = parse_date(as_of) if as_of else _today()
        migrate()
        creditor = existing_demo()
        created = creditor is None
        if creditor is None:
            with console.status("Creating the demo portfolio…"):
                result = seed_demo(day, customers=customers, invoices=invoices, seed=seed)
            creditor_id = result.creditor_id
        else:
            creditor_id = creditor.pk
        facts = summary(creditor_id, day)
        facts["created"] = created
        url = f"http://{host}:{port}/"
        facts.update({"url": url, "login": "admin", "password": DEMO_PASSWORD})
        if no_serve:
            out.print(json.dumps(facts, ensure_ascii=False), highlight=False, soft_wrap=True)
            return
        console.print(
            f"Demo ready: {facts['customers']} customers, {facts['invoices']} invoices.\n"
            f"Open [bold]{url}[/] and sign in as [bold]admin[/] / [bold]{DEMO_PASSWORD}[/]"
            " (also: sophie credit manager, claire and julien collectors, compta read-only;"
            " same password)."
        )
        from relance.cli.serve import run_server

        _start_worker()
        run_server(host, port)


def _start_worker() -> None:
    """The demo's daily tick: plan today's reminders and send them (capture) while it runs."""
    import atexit
    import subprocess
    import sys

    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [*(sys.executable, "-m", "relance", "worker"), "--tick", "--exit-with-parent"]
    )
    atexit.register(worker.terminate)
    console.print("Reminders: planned and sent (capture) every day by a background worker.")
