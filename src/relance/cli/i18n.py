"""`relance i18n compile`: build the .mo catalogues from the .po files (with babel)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from relance.cli.base import app, fail, out

i18n_app = typer.Typer(help="Translations of the user interface.", no_args_is_help=True)
app.add_typer(i18n_app, name="i18n")

PACKAGE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = PACKAGE_DIR / "locale"


def package_locale_dirs() -> list[Path]:
    """The project catalogue and every app's own `locale/` folder."""
    return sorted(p for p in PACKAGE_DIR.rglob("locale") if p.is_dir())


def compile_catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every .po under `locale_dir` to a .mo beside it; returns the .mo paths.

    Raises ValueError naming the file and line of a .po that cannot be read.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import PoFileError, read_po

    written = []
    for po_path in sorted(locale_dir.rglob("*.po")):
        locale = po_path.parent.parent.name
        try:
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=locale, abort_invalid=True)
        except PoFileError as exc:
            raise ValueError(f"{po_path}: {exc}") from exc
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


@i18n_app.command("compile")
def compile_command(
    locale_dir: Annotated[
        Path | None,
        typer.Option(help="Folder holding <lang>/LC_MESSAGES/*.po (default: every app's)."),
    ] = None,
) -> None:
    """Compile every .po catalogue to .mo (no GNU gettext needed)."""
    if locale_dir is not None and not locale_dir.is_dir():
        fail(f"{locale_dir}: no such folder")
    folders = [locale_dir] if locale_dir is not None else package_locale_dirs()
    written = []
    try:
        for folder in folders:
            written.extend(compile_catalogues(folder))
    except ValueError as exc:
        fail(str(exc))
    for path in written:
        out.print(f"compiled {path}")
    if not written:
        out.print("no .po file under " + ", ".join(str(f) for f in folders))
