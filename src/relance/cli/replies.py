"""`relance replies poll`: read debtors' replies from the mailbox of RELANCE_IMAP_URL.

    relance replies poll [--creditor ID_OR_SIREN] [--json]

Exit code 0 when the mailbox was read (messages that could not be stored are listed and
stay unseen), 2 with the reason when it cannot be read. See docs/replies.md.
"""

from __future__ import annotations

import json

import typer

from relance.cli.aging import pick_creditor
from relance.cli.base import app, clean_errors, fail, out, setup_django

replies_app = typer.Typer(help="Debtors' replies (docs/replies.md).", no_args_is_help=True)
app.add_typer(replies_app, name="replies")


@replies_app.command("poll")
def poll_command(
    creditor: str = typer.Option(
        "",
        "--creditor",
        help="The creditor of messages that name none (default: RELANCE_REPLIES_CREDITOR).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Store the unseen messages of the mailbox, then mark them seen (or move them)."""
    setup_django()
    from relance.creditors.models import Creditor
    from relance.replies.imap import ImapError, poll

    with clean_errors():
        chosen = pick_creditor(creditor) if creditor else None
        assert chosen is None or isinstance(chosen, Creditor)
        try:
            report = poll(creditor=chosen)
        except ImapError as exc:
            fail(str(exc))
    if as_json:
        out.print(json.dumps(report.as_dict()), highlight=False, soft_wrap=True)
        return
    out.print(
        f"{report.seen} unseen, {report.stored} stored, {report.duplicates} already stored, "
        f"{len(report.failed)} left unseen",
        highlight=False,
    )
    for uid, reason in report.failed:
        out.print(f"  message {uid}: {reason}", highlight=False, soft_wrap=True)
