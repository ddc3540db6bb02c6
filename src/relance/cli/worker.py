"""`relance worker`: run the task queue — send what the runs planned, plan each day.

Each pass (relance.worker.run_pass) enqueues the periodic work through the Django tasks
API (the day's tick with --tick, the sending, the webhook retries) and runs every task
waiting in the database queue, whoever enqueued it. With RELANCE_IMAP_URL set, it also reads
debtors' replies from that mailbox every RELANCE_IMAP_POLL_SECONDS
(`relance.replies.imap.poll_if_due`): a mailbox that cannot be read is reported and tried
again at the next interval, it never stops the sending.
"""

from __future__ import annotations

import json
import os
import time

import typer

from relance.cli.aging import pick_creditor
from relance.cli.base import app, clean_errors, console, fail, out, setup_django


@app.command("worker")
def worker_command(
    once: bool = typer.Option(False, "--once", help="Send what is due now, then stop."),
    interval: float = typer.Option(5.0, "--interval", min=0.1, help="Seconds between passes."),
    tick: bool = typer.Option(
        False, "--tick", help="Also plan today's reminders of every creditor once a day."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print each pass as one JSON line."),
    creditor: str = typer.Option("", "--creditor", help="With --tick: only this creditor."),
    exit_with_parent: bool = typer.Option(False, "--exit-with-parent", hidden=True),
) -> None:
    """Dispatch planned reminders through their channels (capture by default).

    With --once, the exit code is 1 when a task failed during the pass (its error is
    printed and kept with the task)."""
    setup_django()
    from relance.channels.registry import ChannelConfigError, validate
    from relance.worker import run_pass

    parent = os.getppid()
    try:
        validate()
    except ChannelConfigError as exc:
        fail(str(exc))
    with clean_errors():
        only = [pick_creditor(creditor).pk] if creditor else None  # type: ignore[attr-defined]
        while True:
            result = run_pass(tick=tick, creditor_ids=only)
            if as_json:
                out.print(json.dumps(dict(result.counts)), highlight=False, soft_wrap=True)
            elif result.counts:
                out.print(", ".join(f"{k}: {v}" for k, v in sorted(result.counts.items())))
            for failed in result.failed:
                console.print(f"task {failed.name} failed: {failed.error}", highlight=False)
            if once:
                if result.failed:
                    raise typer.Exit(1)
                return
            if exit_with_parent and os.getppid() != parent:
                return
            time.sleep(interval)
