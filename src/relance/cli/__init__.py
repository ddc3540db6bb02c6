"""The `relance` command line (typer + rich).

Each sub-command lives in its own module of this package and registers itself
on the shared `app`; Django is set up lazily by the commands that need it.
"""

from __future__ import annotations

import importlib

from relance.cli.base import app

COMMAND_MODULES = (
    "aging",
    "bench",
    "demo",
    "einvoice",
    "evidence",
    "forecast",
    "i18n",
    "imports",
    "manage",
    "penalty",
    "plans",
    "predict",
    "rates",
    "replies",
    "report",
    "risk",
    "run",
    "serve",
    "tokens",
    "worker",
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"relance.cli.{_name}")


def main() -> None:
    app()


__all__ = ["app", "main"]
