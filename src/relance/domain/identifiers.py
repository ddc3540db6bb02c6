"""Identifiers and contact details: validate, normalise, explain in French and English."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum import bic as _bic
from stdnum import iban as _iban
from stdnum.eu import at_02 as _at_02
from stdnum.eu import vat as _vat
from stdnum.exceptions import ValidationError
from stdnum.fr import siren as _siren
from stdnum.fr import siret as _siret
from stdnum.luhn import calc_check_digit


@dataclass(frozen=True, slots=True)
class Issue:
    field: str
    code: str
    en: str
    fr: str

    def message(self, lang: str) -> str:
        return self.fr if lang.startswith("fr") else self.en


class IdentifierError(ValueError):
    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.en)
        self.issue = issue


def _fail(field: str, code: str, en: str, fr: str) -> IdentifierError:
    return IdentifierError(Issue(field, code, en, fr))


def clean_siren(value: str, field: str = "siren") -> str:
    try:
        return str(_siren.validate(value))
    except ValidationError:
        raise _fail(
            field,
            "invalid_siren",
            f"'{value}' is not a valid SIREN (9 digits with a valid check digit)",
            f"« {value} » n'est pas un SIREN valide (9 chiffres avec une clé de contrôle valide)",
        ) from None


def clean_siret(value: str, field: str = "siret") -> str:
    try:
        return str(_siret.validate(value))
    except ValidationError:
        raise _fail(
            field,
            "invalid_siret",
            f"'{value}' is not a valid SIRET (14 digits with a valid check digit)",
            f"« {value} » n'est pas un SIRET valide (14 chiffres avec une clé de contrôle valide)",
        ) from None


def siren_from_siret(siret: str) -> str:
    return clean_siret(siret)[:9]


def clean_vat(value: str, field: str = "vat_number") -> str:
    try:
        return str(_vat.validate(value))
    except ValidationError:
        raise _fail(
            field,
            "invalid_vat",
            f"'{value}' is not a valid EU VAT number",
            f"« {value} » n'est pas un numéro de TVA intracommunautaire valide",
        ) from None


def check_vat_matches_siren(vat: str, siren: str) -> Issue | None:
    compact = _vat.compact(vat)
    if compact.startswith("FR") and compact[4:] != _siren.compact(siren):
        return Issue(
            "vat_number",
            "vat_siren_mismatch",
            f"VAT number {compact} does not belong to SIREN {siren}",
            f"Le numéro de TVA {compact} ne correspond pas au SIREN {siren}",
        )
    return None


def french_vat(siren: str) -> str:
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


def clean_iban(value: str, field: str = "iban") -> str:
    try:
        return str(_iban.validate(value))
    except ValidationError:
        raise _fail(
            field,
            "invalid_iban",
            f"'{value}' is not a valid IBAN",
            f"« {value} » n'est pas un IBAN valide",
        ) from None


def clean_sepa_creditor_id(value: str, field: str = "sepa_creditor_id") -> str:
    """A SEPA creditor identifier (ICS, AT-02: country, check digits, business code, national
    identifier), compact and upper-case."""
    try:
        return str(_at_02.validate(value))
    except ValidationError:
        raise _fail(
            field,
            "invalid_sepa_creditor_id",
            f"'{value}' is not a valid SEPA creditor identifier",
            f"« {value} » n'est pas un identifiant créancier SEPA (ICS) valide",
        ) from None


def clean_bic(value: str, field: str = "bic") -> str:
    try:
        return str(_bic.validate(value))
    except ValidationError:
        raise _fail(
            field,
            "invalid_bic",
            f"'{value}' is not a valid BIC",
            f"« {value} » n'est pas un BIC valide",
        ) from None


def clean_phone(value: str, default_region: str = "FR", field: str = "phone") -> str:
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise _fail(
            field,
            "invalid_phone",
            f"'{value}' is not a valid phone number",
            f"« {value} » n'est pas un numéro de téléphone valide",
        )
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def clean_email(value: str, field: str = "email") -> str:
    try:
        return str(validate_email(value.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        raise _fail(
            field,
            "invalid_email",
            f"'{value}' is not a valid email address",
            f"« {value} » n'est pas une adresse e-mail valide",
        ) from None


def clean_country(value: str, field: str = "country") -> str:
    code = value.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise _fail(
            field,
            "invalid_country",
            f"'{value}' is not a country code (two letters, e.g. FR)",
            f"« {value} » n'est pas un code pays (deux lettres, par exemple FR)",
        )
    return code


_FR_POSTAL = re.compile(r"^\d{5}$")


def clean_postal_code(value: str, country: str = "FR", field: str = "postal_code") -> str:
    code = value.strip()
    if country == "FR" and not _FR_POSTAL.match(code):
        raise _fail(
            field,
            "invalid_postal_code",
            f"'{value}' is not a French postal code (5 digits)",
            f"« {value} » n'est pas un code postal français (5 chiffres)",
        )
    return code


def generate_siren(rng: random.Random) -> str:
    body = f"{rng.randrange(10**7, 10**8):08d}"
    return body + calc_check_digit(body)


def generate_siret(siren: str, rng: random.Random) -> str:
    body = siren + f"{rng.randrange(1, 10**4):04d}"
    return body + calc_check_digit(body)
