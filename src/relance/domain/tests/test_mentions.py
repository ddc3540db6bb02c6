"""Mandatory mentions: one complete French invoice, then each mention taken away."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from relance.domain.einvoice import Address, Category, EInvoice, Note, Party, Profile
from relance.domain.mentions import CODES, Status, check, missing
from relance.domain.money import Money

EUR = "EUR"
SELLER = Party(
    name="Atelier Durand SARL",
    siren="732829320",
    vat_number="FR44732829320",
    address=Address(("12 rue de la République",), "69002", "Lyon", "FR"),
)
BUYER = Party(
    name="Boulangerie Martin SAS",
    siren="552100554",
    vat_number="FR96552100554",
    address=Address(("3 place Grenette",), "38000", "Grenoble", "FR"),
)
NOTES = (
    Note("Pénalités de retard : taux BCE + 10 points.", "PMD"),
    Note("Indemnité forfaitaire pour frais de recouvrement : 40 €.", "PMT"),
    Note("Pas d'escompte pour paiement anticipé.", "AAB"),
)
COMPLETE = EInvoice(
    syntax="CII",
    profile=Profile.EN16931,
    profile_id="urn:cen.eu:en16931:2017",
    number="F-1",
    type_code="380",
    issue_date=date(2026, 10, 1),
    currency=EUR,
    total_excl_tax=Money.of("100.00", EUR),
    tax_total=Money.of("20.00", EUR),
    total_incl_tax=Money.of("120.00", EUR),
    amount_due=Money.of("120.00", EUR),
    seller=SELLER,
    buyer=BUYER,
    due_date=date(2026, 10, 31),
    delivery_date=date(2026, 9, 30),
    delivery_address=Address(("Chantier",), "38100", "Grenoble", "FR"),
    lines_count=2,
    notes=NOTES,
    category=Category.GOODS,
)


def codes(inv: EInvoice, **kwargs: object) -> dict[str, Status]:
    return {f.code: f.status for f in check(inv, **kwargs)}  # type: ignore[arg-type]


def test_complete_invoice_has_no_finding() -> None:
    assert check(COMPLETE) == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"seller": replace(SELLER, name="")}, "SELLER_NAME"),
        ({"seller": replace(SELLER, address=Address(country="FR"))}, "SELLER_ADDRESS"),
        ({"seller": replace(SELLER, siren="")}, "SELLER_SIREN"),
        ({"seller": replace(SELLER, vat_number="")}, "SELLER_VAT"),
        ({"buyer": replace(BUYER, name="")}, "BUYER_NAME"),
        ({"buyer": replace(BUYER, address=Address(country="FR"))}, "BUYER_ADDRESS"),
        ({"buyer": replace(BUYER, siren="")}, "BUYER_SIREN"),
        ({"delivery_date": None}, "SALE_DATE"),
        ({"lines_count": 0}, "LINES"),
        ({"due_date": None}, "PAYMENT_DATE"),
        ({"notes": NOTES[1:]}, "PENALTY_RATE"),
        ({"notes": (NOTES[0], NOTES[2])}, "INDEMNITY"),
        ({"notes": NOTES[:2]}, "EARLY_PAYMENT_DISCOUNT"),
        ({"category": None}, "CATEGORY"),
    ],
)
def test_each_mention_taken_away_is_missing(change: dict[str, object], code: str) -> None:
    found = check(replace(COMPLETE, **change))  # type: ignore[arg-type]
    assert [(f.code, f.status) for f in found] == [(code, Status.MISSING)]
    finding = found[0]
    assert finding.basis and finding.en != finding.fr
    assert finding.message("fr") == finding.fr and finding.message("en") == finding.en


def test_codes_are_listed() -> None:
    assert {"PENALTY_RATE", "INDEMNITY", "BUYER_SIREN", "NOT_FRENCH_SELLER"} <= set(CODES)


def test_indemnity_needs_its_amount() -> None:
    vague = (
        NOTES[0],
        Note("Une indemnité forfaitaire pour frais de recouvrement est due."),
        NOTES[2],
    )
    assert codes(replace(COMPLETE, notes=vague)) == {"INDEMNITY": Status.MISSING}
    worded = (*vague[:2], Note("… de 40,00 euros."), NOTES[2])
    assert codes(replace(COMPLETE, notes=worded)) == {}


@pytest.mark.parametrize(
    "text",
    [
        "En cas de retard, intérêts de retard au taux de 3 fois le taux légal.",
        "Late-payment interest: ECB rate + 10 points.",
        "pénalités exigibles au taux BCE majoré de 10 points",
    ],
)
def test_penalty_found_in_free_text_without_subject_code(text: str) -> None:
    notes = (Note(text), *NOTES[1:])
    assert "PENALTY_RATE" not in codes(replace(COMPLETE, notes=notes))


def test_payment_terms_text_is_a_payment_date() -> None:
    inv = replace(COMPLETE, due_date=None, payment_terms="45 jours fin de mois")
    assert codes(inv) == {}


def test_profile_that_cannot_carry_a_mention_is_not_the_sellers_fault() -> None:
    minimum = replace(
        COMPLETE,
        profile=Profile.MINIMUM,
        notes=(),
        lines_count=0,
        due_date=None,
        delivery_date=None,
        seller=replace(SELLER, address=Address(country="FR")),
        buyer=replace(BUYER, address=Address()),
        delivery_address=Address(),
    )
    found = check(minimum)
    assert missing(found) == []
    assert {f.code for f in found if f.status is Status.NOT_IN_PROFILE} == {
        "SELLER_ADDRESS",
        "BUYER_ADDRESS",
        "SALE_DATE",
        "LINES",
        "PAYMENT_DATE",
        "PENALTY_RATE",
        "INDEMNITY",
        "EARLY_PAYMENT_DISCOUNT",
        "DELIVERY_ADDRESS",
    }
    assert "MINIMUM profile cannot carry it" in found[0].en
    basic_wl = replace(COMPLETE, profile=Profile.BASIC_WL, lines_count=0)
    assert codes(basic_wl) == {"LINES": Status.NOT_IN_PROFILE}


def test_reform_mentions_only_from_the_reform_date() -> None:
    before = replace(
        COMPLETE, issue_date=date(2026, 8, 31), category=None, buyer=replace(BUYER, siren="")
    )
    assert codes(before) == {}
    assert codes(before, reform_from=date(2026, 1, 1)) == {
        "BUYER_SIREN": Status.MISSING,
        "CATEGORY": Status.MISSING,
    }


def test_delivery_address_and_vat_on_debits_are_to_check() -> None:
    goods = replace(COMPLETE, delivery_address=Address())
    assert codes(goods) == {"DELIVERY_ADDRESS": Status.TO_CHECK}
    services = replace(COMPLETE, category=Category.SERVICES, delivery_address=Address())
    assert codes(services) == {"VAT_ON_DEBITS": Status.TO_CHECK}
    opted = replace(
        services, notes=(*NOTES, Note("Option pour le paiement de la taxe d'après les débits"))
    )
    assert codes(opted) == {}
    assert codes(replace(services, vat_point_code="5")) == {}


def test_intra_eu_customer_needs_a_vat_number() -> None:
    spanish = replace(BUYER, siren="", vat_number="", address=replace(BUYER.address, country="ES"))
    assert codes(replace(COMPLETE, buyer=spanish)) == {"BUYER_VAT": Status.MISSING}


def test_consumer_needs_no_penalty_nor_indemnity() -> None:
    inv = replace(COMPLETE, notes=(NOTES[2],), buyer=replace(BUYER, siren=""))
    assert set(codes(inv)) == {"PENALTY_RATE", "INDEMNITY", "BUYER_SIREN"}
    assert codes(inv, consumer=True) == {}


def test_credit_note_is_not_checked_for_payment_mentions() -> None:
    note = replace(COMPLETE, type_code="381", notes=(), due_date=None)
    assert codes(note) == {}


def test_foreign_seller_gets_one_notice() -> None:
    german = replace(SELLER, siren="", vat_number="DE123456789", address=Address(country="DE"))
    found = check(replace(COMPLETE, seller=german, notes=()))
    assert [(f.code, f.status) for f in found] == [("NOT_FRENCH_SELLER", Status.TO_CHECK)]
    assert "DE" in found[0].en
