"""The template linter, table-driven: what is refused, and what is allowed."""

from __future__ import annotations

import pytest

from relance.domain.wording import lint

REFUSED = [
    ("Sans paiement, nous mandaterons un huissier.", "reminder", True, "fake_enforcement"),
    (
        "Un commissaire de justice procédera à la saisie de vos biens.",
        "formal",
        True,
        "fake_enforcement",
    ),
    ("Without payment a bailiff will visit you.", "reminder", True, "fake_enforcement"),
    ("Des frais de dossier de 25 € vous seront facturés.", "reminder", True, "undue_fees"),
    ("A collection fee of £30 will be added.", "reminder", True, "undue_fees"),
    ("Une indemnité forfaitaire de 40 € est due.", "reminder", False, "undue_fees"),
    (
        "Vous serez inscrit au fichier de la Banque de France.",
        "reminder",
        True,
        "credit_file_threat",
    ),
    ("We will report you to a credit reference agency.", "reminder", True, "credit_file_threat"),
    ("Les frais de justice seront à votre charge.", "formal_notice", True, "court_costs_certain"),
    ("Court costs will be borne by you.", "formal_notice", True, "court_costs_certain"),
    ("Nous déposerons plainte.", "formal_notice", True, "criminal_threat"),
    ("We will start criminal proceedings.", "reminder", True, "criminal_threat"),
]

ALLOWED = [
    ("Une indemnité forfaitaire pour frais de recouvrement de 40 € par facture.", "reminder", True),
    ("Nous pourrons saisir la juridiction compétente.", "formal_notice", True),
    ("Sauf erreur de saisie de notre part, la facture reste due.", "reminder", True),
    ("Votre police d'assurance n'est pas concernée.", "reminder", True),
    ("Facture F-1 : 40,00 €", "reminder", False),
    ("We may apply to the competent court.", "formal_notice", True),
]


@pytest.mark.parametrize(("text", "kind", "b2b", "code"), REFUSED)
def test_refused(text: str, kind: str, b2b: bool, code: str) -> None:
    findings = lint(text, kind=kind, b2b=b2b)
    assert code in {f.code for f in findings}, findings
    assert all(f.message("fr") and f.message("en") and f.excerpt for f in findings)


@pytest.mark.parametrize(("text", "kind", "b2b"), ALLOWED)
def test_allowed(text: str, kind: str, b2b: bool) -> None:
    assert lint(text, kind=kind, b2b=b2b) == []


def test_enforcement_words_are_allowed_in_a_formal_notice_only() -> None:
    text = "Nous pourrons confier le dossier à un commissaire de justice."
    assert lint(text, kind="formal_notice") == []
    assert [f.code for f in lint(text, kind="reminder")] == ["fake_enforcement"]
