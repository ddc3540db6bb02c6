"""French rendering, the language switch, amounts in French and the catalogue."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from typer.testing import CliRunner

from relance.cli.base import app
from relance.cli.i18n import compile_catalogues, package_locale_dirs
from relance.domain.money import Money
from relance.web.templatetags.relance import money, tenure
from relance.web.tests.conftest import AS_OF, World, login

NNBSP = "\u202f"  # narrow no-break space: French thousands separator (CLDR)
NBSP = "\xa0"

WEB = Path(__file__).resolve().parent.parent
PO = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES" / "django.po"


def test_money_filter_follows_the_active_language() -> None:
    amount = Money.of("1234.56", "EUR")
    with translation.override("fr"):
        assert money(amount) == f"1{NNBSP}234,56{NBSP}€"
        assert money(123456, "EUR") == f"1{NNBSP}234,56{NBSP}€"
    with translation.override("en"):
        assert money(amount) == "€1,234.56"


@pytest.mark.parametrize(
    ("days", "en", "fr"),
    [
        (0, "0 days", "0 jour"),
        (1, "1 day", "1 jour"),
        (29, "29 days", "29 jours"),
        (30, "1 month", "1 mois"),
        (365, "1 year", "1 an"),
        (3032, "8 years 3 months", "8 ans 3 mois"),
        (-1, "", ""),
    ],
)
def test_tenure_in_years_and_months(days: int, en: str, fr: str) -> None:
    with translation.override("en"):
        assert tenure(days) == en
    with translation.override("fr"):
        assert tenure(days) == fr


@pytest.mark.django_db
def test_pages_in_french(client: Client, world: World) -> None:
    login(client, world.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(reverse("overview"), {"as_of": AS_OF}).content.decode()
    assert '<html lang="fr">' in html
    assert "Tableau de bord" in html
    assert "Aller au contenu principal" in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert f"12{NNBSP}345,67{NBSP}€" in svg
    assert "31 à 60 jours" in svg
    html = client.get(reverse("customer", args=[world.acme.pk]), {"as_of": AS_OF}).content.decode()
    assert "Comportement de paiement" in html
    assert "comptabilité fournisseurs" in html  # contact role label from the model
    assert "Factures ouvertes" in html


@pytest.mark.django_db
def test_accept_language_header_and_switch(client: Client, world: World) -> None:
    login(client, world.admin)
    html = client.get(reverse("customers"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Clients" in html and "En retard uniquement" in html
    response = client.post(reverse("set_language"), {"language": "en", "next": "/customers/"})
    assert response.status_code == 302
    html = client.get(reverse("customers"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Overdue only" in html


def _template_msgids() -> set[str]:
    found: set[str] = set()
    for path in WEB.parent.glob("*/templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        found.update(m.group(2) for m in re.finditer(r"""\{% translate (["'])(.*?)\1""", text))
    return found


def test_every_template_string_has_a_french_translation() -> None:
    translated: set[object] = set()
    for po in (p for d in package_locale_dirs() for p in d.rglob("fr/LC_MESSAGES/*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale="fr")
        translated |= {m.id for m in catalog if m.id and m.string}
    missing = sorted(_template_msgids() - translated)
    assert not missing, missing


def _messages(mo: Path) -> dict[object, str]:
    """The translations a .mo holds, without its header (which names the babel version)."""
    with mo.open("rb") as handle:
        catalog = dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]
    catalog.pop("", None)
    return catalog


@pytest.mark.parametrize(
    "po", sorted(p for d in package_locale_dirs() for p in d.rglob("*.po")), ids=str
)
def test_compiled_catalogue_is_up_to_date(po: Path, tmp_path: Path) -> None:
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "django.po").write_bytes(po.read_bytes())
    compile_catalogues(tmp_path)
    fresh = _messages(target / "django.mo")
    assert _messages(po.with_suffix(".mo")) == fresh, "run `relance i18n compile`"


def test_i18n_compile_command(tmp_path: Path) -> None:
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "django.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Customers"\nmsgstr "Clients"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["i18n", "compile", "--locale-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    mo = target / "django.mo"
    import gettext

    with mo.open("rb") as handle:
        assert gettext.GNUTranslations(handle).gettext("Customers") == "Clients"


def test_i18n_compile_reports_a_broken_catalogue(tmp_path: Path) -> None:
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "django.po").write_text('msgid "a"\nmsgstr "b"\ngarbage here\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"django\.po"):
        compile_catalogues(tmp_path)
    result = CliRunner().invoke(app, ["i18n", "compile", "--locale-dir", str(tmp_path)])
    assert result.exit_code == 2
