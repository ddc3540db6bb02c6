"""`relance worker`: send what the runs planned (the outbox), and optionally plan each day.

With RELANCE_IMAP_URL set, it also reads debtors' replies from that mailbox every
RELANCE_IMAP_POLL_SECONDS (`relance.replies.imap.poll_if_due`): a mailbox that cannot be
read is reported and tried again at the next interval, it never stops the sending."""

from __future__ import annotations

import json
import os
import time

import typer

from relance.cli.aging import pick_creditor
from relance.cli.base import app, clean_errors, fail, out, setup_django


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
    """Dispatch planned reminders through their channels (capture by default)."""
    setup_django()
    from django.utils import timezone

    from relance.channels.registry import ChannelConfigError, validate
    from relance.creditors.models import Creditor
    from relance.dunning.models import Run
    from relance.dunning.outbox import dispatch
    from relance.dunning.sending import plan_documents
    from relance.dunning.services import plan_run
    from relance.replies.imap import poll_if_due

    parent = os.getppid()
    try:
        validate()
    except ChannelConfigError as exc:
        fail(str(exc))
    with clean_errors():
        creditors: list[Creditor] = (
            [pick_creditor(creditor)]  # type: ignore[list-item]
            if creditor
            else list(Creditor.objects.all())
        )
        documents_done: set[tuple[int, object]] = set()
        while True:
            if tick:
                today = timezone.localdate()
                for c in creditors:
                    if not Run.objects.filter(creditor=c, as_of=today).exists():
                        plan_run(c, today)
                    if (c.pk, today) not in documents_done:
                        # statements and invoices, per the creditor's settings (idempotent)
                        plan_documents(c, today)
                        documents_done.add((c.pk, today))
            counts = dispatch()
            replies = poll_if_due()
            if replies:
                counts["replies"] = replies
            if as_json:
                out.print(json.dumps(dict(counts)), highlight=False, soft_wrap=True)
            elif counts:
                out.print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
            if once or (exit_with_parent and os.getppid() != parent):
                return
            time.sleep(interval)
