"""Shared pieces of the command line: the typer app, Django set-up, clean errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console

app = typer.Typer(
    name="relance",
    help="relance: credit management and collections.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

#: Exit code for bad input (a file, an argument): a message, never a traceback.
EXIT_BAD_INPUT = 2


def setup_django() -> None:
    """Configure Django once (settings from the environment)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.settings")
    import django

    django.setup()


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def clean_errors() -> Iterator[None]:
    """Turn the project's own bad-input errors into a message and exit code 2."""
    from relance.core.errors import BadInput

    try:
        yield
    except BadInput as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)


def migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)
