"""`relance manage …`: Django's management commands (migrate, createsuperuser, shell…)."""

from __future__ import annotations

import typer

from relance.cli.base import app, setup_django


@app.command(
    "manage",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    help="Run a Django management command, e.g. `relance manage migrate`.",
)
def manage(ctx: typer.Context) -> None:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["relance manage", *ctx.args])
