from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from relance.domain import identifiers as ids


@pytest.mark.parametrize(
    ("func", "value", "expected"),
    [
        (ids.clean_siren, "732 829 320", "732829320"),
        (ids.clean_siret, "732 829 320 00074", "73282932000074"),
        (ids.clean_vat, "FR 44 732829320", "FR44732829320"),
        (ids.clean_iban, "FR76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189"),
        (ids.clean_bic, "bnpafrpp", "BNPAFRPP"),
        (ids.clean_phone, "01 42 68 53 00", "+33142685300"),
        (ids.clean_phone, "+32 2 555 12 12", "+3225551212"),
        (ids.clean_email, "Compta@Exemple.FR ", "Compta@exemple.fr"),
        (ids.clean_country, "fr", "FR"),
        (ids.clean_postal_code, "69002", "69002"),
    ],
)
def test_valid_identifiers_are_normalised(
    func: Callable[[str], str], value: str, expected: str
) -> None:
    assert func(value) == expected


@pytest.mark.parametrize(
    ("func", "value", "code", "fr_word"),
    [
        (ids.clean_siren, "732829321", "invalid_siren", "SIREN"),
        (ids.clean_siren, "12345", "invalid_siren", "SIREN"),
        (ids.clean_siret, "73282932000075", "invalid_siret", "SIRET"),
        (ids.clean_vat, "FR00732829320", "invalid_vat", "TVA"),
        (ids.clean_iban, "FR7630006000011234567890188", "invalid_iban", "IBAN"),
        (ids.clean_bic, "BNP", "invalid_bic", "BIC"),
        (ids.clean_phone, "12", "invalid_phone", "téléphone"),
        (ids.clean_email, "compta@", "invalid_email", "e-mail"),
        (ids.clean_country, "FRA", "invalid_country", "pays"),
        (ids.clean_postal_code, "6900", "invalid_postal_code", "postal"),
    ],
)
def test_invalid_identifiers_say_why_in_both_languages(
    func: Callable[[str], str], value: str, code: str, fr_word: str
) -> None:
    with pytest.raises(ids.IdentifierError) as info:
        func(value)
    issue = info.value.issue
    assert issue.code == code
    assert value in issue.message("en")
    assert fr_word in issue.message("fr")
    assert issue.message("fr") != issue.message("en")


def test_vat_must_belong_to_the_siren() -> None:
    assert ids.check_vat_matches_siren("FR44732829320", "732829320") is None
    issue = ids.check_vat_matches_siren("FR44732829320", "552100554")
    assert issue is not None and issue.code == "vat_siren_mismatch"
    assert ids.french_vat("732829320") == "FR44732829320"


def test_generated_identifiers_are_valid() -> None:
    rng = random.Random(7)
    for _ in range(200):
        siren = ids.generate_siren(rng)
        assert ids.clean_siren(siren) == siren
        siret = ids.generate_siret(siren, rng)
        assert ids.clean_siret(siret) == siret and ids.siren_from_siret(siret) == siren
        assert ids.clean_vat(ids.french_vat(siren))
