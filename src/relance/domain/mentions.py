"""Mandatory mentions of a French B2B invoice: which ones an invoice lacks (pure, no Django).

`check(invoice)` returns findings, each with a stable code, a French and an English message
and its legal basis. A finding has one of three statuses:

- ``missing``: the invoice could carry the mention and does not (the seller's fault);
- ``not_in_profile``: the file's profile cannot carry it (Factur-X MINIMUM has no notes,
  BASIC WL no lines, relance's ledger keeps no notes): look at the PDF, nobody is at fault;
- ``to_check``: the data cannot tell (a delivery address is only required when it differs
  from the billing address; "option pour le paiement de la taxe d'après les débits" only
  when the seller has opted).

The rules apply to French sellers (country FR, a French VAT number or a SIREN); for other
sellers one ``to_check`` finding says so. The reform's mentions (customer SIREN, delivery
address, category of operation, VAT on debits) apply to invoices issued on or after
`reform_from` (default 1 September 2026; 2027 for SMEs: pass the date that applies).

Free-text mentions (penalty rate, 40 € indemnity, early-payment discount) are found by
their note subject code (PMD, PMT, AAB) or by the patterns below, which are deliberately
plain so that a person can see why a text matched or not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from relance.domain.einvoice import Category, DocumentKind, EInvoice, Profile

#: First application of the reform's new mentions (large and mid-size companies).
REFORM_FROM = date(2026, 9, 1)

L441_9 = "C. com. L441-9"
CGI = "CGI ann. II art. 242 nonies A"
D441_5 = "C. com. L441-9, D441-5"
REFORM = "CGI ann. II art. 242 nonies A (réforme de la facturation électronique)"

_EU_CODES = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU = frozenset(_EU_CODES.split(" "))


class Status(StrEnum):
    MISSING = "missing"
    NOT_IN_PROFILE = "not_in_profile"
    TO_CHECK = "to_check"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    status: Status
    en: str
    fr: str
    basis: str

    def message(self, lang: str) -> str:
        return self.fr if lang.startswith("fr") else self.en

    def as_dict(self, lang: str = "en") -> dict[str, str]:
        return {
            "code": self.code,
            "status": self.status.value,
            "message": self.message(lang),
            "basis": self.basis,
        }


# --- what the free-text mentions look like --------------------------------------------------

PENALTY = re.compile(
    r"p[ée]nalit[ée]s?|int[ée]r[êe]ts?\s+(de|moratoires|de\s+retard)|taux\s+d.int[ée]r[êe]t"
    r"|late[- ]payment\s+(interest|penalt)|interest\s+(on|for)\s+late|verzugszins",
    re.IGNORECASE,
)
INDEMNITY = re.compile(
    r"indemnit[ée]\s+forfaitaire|frais\s+de\s+recouvrement|recovery\s+(costs?|indemnity|fee)"
    r"|compensation\s+for\s+recovery",
    re.IGNORECASE,
)
#: The indemnity's amount must be written: 40 €, 40 EUR, 40,00 euros.
FORTY = re.compile(r"\b40(?:[.,]00)?\s*(?:€|eur\b|euros?\b)", re.IGNORECASE)
DISCOUNT = re.compile(
    r"escompte|early[- ]payment\s+discount|discount\s+for\s+(early|prompt)\s+payment|skonto",
    re.IGNORECASE,
)
DEBITS = re.compile(r"d.apr[èe]s\s+les\s+d[ée]bits|taxe\s+sur\s+les\s+d[ée]bits", re.IGNORECASE)

#: VAT point date codes meaning "at the invoice date" (BT-8): CII 5, UBL 3.
DEBITS_CODES = frozenset({"3", "5"})


def _texts(inv: EInvoice, *subjects: str) -> list[str]:
    """The notes with one of `subjects`, then every note and the payment terms."""
    coded = [n.text for n in inv.notes_with(*subjects)]
    return coded + [n.text for n in inv.notes] + [inv.payment_terms, inv.early_payment_terms]


def _any(pattern: re.Pattern[str], texts: list[str]) -> bool:
    return any(pattern.search(t) for t in texts if t)


# --- the rules ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    en: str
    fr: str
    basis: str
    #: None: the invoice has it (or the rule does not apply); else the finding's status
    test: Callable[[EInvoice, bool], Status | None]


def _needs(present: bool, carried: bool = True) -> Status | None:
    if present:
        return None
    return Status.MISSING if carried else Status.NOT_IN_PROFILE


def _is_french(country: str, vat: str, siren: str) -> bool:
    return country == "FR" or vat.startswith("FR") or (not country and bool(siren))


def _buyer_french(inv: EInvoice) -> bool:
    b = inv.buyer
    return _is_french(b.country, b.vat_number, b.siren)


def _intra_eu(inv: EInvoice) -> bool:
    country = inv.buyer.country or inv.buyer.vat_number[:2]
    return country in EU and country != "FR"


RULES: tuple[Rule, ...] = (
    Rule(
        "SELLER_NAME",
        "The seller's name is missing.",
        "La dénomination du vendeur manque.",
        CGI,
        lambda inv, _c: _needs(bool(inv.seller.name)),
    ),
    Rule(
        "SELLER_ADDRESS",
        "The seller's address is missing.",
        "L'adresse du vendeur manque.",
        CGI,
        lambda inv, _c: _needs(not inv.seller.address.is_empty, inv.profile.has_details),
    ),
    Rule(
        "SELLER_SIREN",
        "The seller's SIREN (or SIRET) is missing.",
        "Le SIREN (ou SIRET) du vendeur manque.",
        f"{CGI}; C. com. R123-237",
        lambda inv, _c: _needs(bool(inv.seller.siren or inv.seller.siret)),
    ),
    Rule(
        "SELLER_VAT",
        "The seller's VAT number is missing.",
        "Le numéro de TVA intracommunautaire du vendeur manque.",
        CGI,
        lambda inv, _c: _needs(bool(inv.seller.vat_number)),
    ),
    Rule(
        "BUYER_NAME",
        "The customer's name is missing.",
        "La dénomination du client manque.",
        CGI,
        lambda inv, _c: _needs(bool(inv.buyer.name)),
    ),
    Rule(
        "BUYER_ADDRESS",
        "The customer's (billing) address is missing.",
        "L'adresse (de facturation) du client manque.",
        CGI,
        lambda inv, _c: _needs(not inv.buyer.address.is_empty, inv.profile.has_details),
    ),
    Rule(
        "BUYER_VAT",
        "The customer's VAT number is missing (intra-EU customer).",
        "Le numéro de TVA intracommunautaire du client manque (client d'un autre État de l'UE).",
        CGI,
        lambda inv, _c: _needs(bool(inv.buyer.vat_number)) if _intra_eu(inv) else None,
    ),
    Rule(
        "SALE_DATE",
        "The date of the sale or service (delivery date or invoicing period) is missing.",
        "La date de la vente ou de la prestation (livraison ou période facturée) manque.",
        f"{L441_9}; {CGI}",
        lambda inv, _c: _needs(
            inv.delivery_date is not None or inv.period_end is not None, inv.profile.has_details
        ),
    ),
    Rule(
        "LINES",
        "The invoice has no lines (quantities, descriptions, unit prices excl. VAT).",
        "La facture n'a pas de lignes (quantités, désignations, prix unitaires HT).",
        f"{L441_9}; {CGI}",
        lambda inv, _c: _needs(inv.lines_count > 0, inv.profile.has_lines),
    ),
    Rule(
        "PAYMENT_DATE",
        "The payment date (due date or payment terms) is missing.",
        "La date à laquelle le règlement doit intervenir (échéance ou conditions) manque.",
        L441_9,
        lambda inv, _c: _needs(
            inv.due_date is not None or bool(inv.payment_terms), inv.profile.has_details
        ),
    ),
    Rule(
        "PENALTY_RATE",
        "The late-payment penalty rate is not stated.",
        "Le taux des pénalités de retard n'est pas indiqué.",
        L441_9,
        lambda inv, consumer: (
            None if consumer else _needs(_any(PENALTY, _texts(inv, "PMD")), inv.profile.has_notes)
        ),
    ),
    Rule(
        "INDEMNITY",
        "The fixed recovery indemnity (40 €) is not stated with its amount.",
        "L'indemnité forfaitaire pour frais de recouvrement (40 €) n'est pas indiquée "
        "avec son montant.",
        D441_5,
        lambda inv, consumer: (
            None
            if consumer
            else _needs(
                _any(INDEMNITY, _texts(inv, "PMT")) and _any(FORTY, _texts(inv, "PMT")),
                inv.profile.has_notes,
            )
        ),
    ),
    Rule(
        "EARLY_PAYMENT_DISCOUNT",
        "The early-payment discount terms are not stated (write 'no discount' if none).",
        "Les conditions d'escompte ne sont pas indiquées (écrire « pas d'escompte » s'il n'y "
        "en a pas).",
        L441_9,
        lambda inv, _c: _needs(
            bool(inv.early_payment_terms) or _any(DISCOUNT, _texts(inv, "AAB")),
            inv.profile.has_notes,
        ),
    ),
)

REFORM_RULES: tuple[Rule, ...] = (
    Rule(
        "BUYER_SIREN",
        "The customer's SIREN is missing (e-invoicing reform).",
        "Le SIREN du client manque (réforme de la facturation électronique).",
        REFORM,
        lambda inv, consumer: (
            _needs(bool(inv.buyer.siren)) if _buyer_french(inv) and not consumer else None
        ),
    ),
    Rule(
        "CATEGORY",
        "The category of the operation (goods, services or both) is missing.",
        "La catégorie de l'opération (livraison de biens, prestation de services ou mixte) manque.",
        REFORM,
        lambda inv, _c: _needs(inv.category is not None, inv.profile.has_category),
    ),
    Rule(
        "DELIVERY_ADDRESS",
        "No delivery address: required if the goods are delivered elsewhere than the "
        "billing address.",
        "Pas d'adresse de livraison : obligatoire si elle diffère de l'adresse de facturation.",
        REFORM,
        lambda inv, _c: (
            None
            if not inv.delivery_address.is_empty or inv.category is Category.SERVICES
            else (Status.TO_CHECK if inv.profile.has_details else Status.NOT_IN_PROFILE)
        ),
    ),
    Rule(
        "VAT_ON_DEBITS",
        "Services: if the seller opted to pay VAT on debits, the invoice must say "
        "'Option pour le paiement de la taxe d'après les débits'.",
        "Prestations de services : si le vendeur a opté pour la TVA d'après les débits, la "
        "facture doit porter « Option pour le paiement de la taxe d'après les débits ».",
        REFORM,
        lambda inv, _c: (
            None
            if inv.category not in (Category.SERVICES, Category.MIXED)
            or inv.vat_point_code in DEBITS_CODES
            or _any(DEBITS, _texts(inv))
            else Status.TO_CHECK
        ),
    ),
)

#: Mentions about paying the invoice: a credit note owes the buyer nothing, so they do not
#: apply to it.
PAYMENT_CODES = frozenset({"PAYMENT_DATE", "PENALTY_RATE", "INDEMNITY", "EARLY_PAYMENT_DISCOUNT"})

#: Every code a finding may carry, for documentation and tests.
CODES = (*(r.code for r in RULES + REFORM_RULES), "NOT_FRENCH_SELLER")


def seller_is_french(inv: EInvoice) -> bool:
    s = inv.seller
    return _is_french(s.country, s.vat_number, s.siren)


def _note_profile(rule: Rule, status: Status, profile: Profile) -> tuple[str, str]:
    if status is not Status.NOT_IN_PROFILE:
        return rule.en, rule.fr
    if profile is Profile.LEDGER:
        return (
            f"{rule.en} Not recorded in relance: check the invoice document.",
            f"{rule.fr} Non enregistré dans relance : vérifier la facture elle-même.",
        )
    return (
        f"{rule.en} The {profile.value} profile cannot carry it: check the PDF.",
        f"{rule.fr} Le profil {profile.value} ne peut pas le porter : vérifier le PDF.",
    )


def check(
    inv: EInvoice, *, reform_from: date = REFORM_FROM, consumer: bool = False
) -> list[Finding]:
    """The mandatory mentions `inv` lacks (empty when nothing is missing or to check).

    `consumer`: the customer is a consumer (no penalty rate or 40 € indemnity required).
    Credit notes are not checked for the payment mentions (PAYMENT_CODES).
    """
    if not seller_is_french(inv):
        country = inv.seller.country or inv.seller.vat_number[:2] or "?"
        return [
            Finding(
                "NOT_FRENCH_SELLER",
                Status.TO_CHECK,
                f"The seller is not French ({country}): French mandatory mentions not checked.",
                f"Le vendeur n'est pas français ({country}) : mentions obligatoires françaises "
                "non vérifiées.",
                L441_9,
            )
        ]
    rules = RULES + (REFORM_RULES if inv.issue_date >= reform_from else ())
    findings: list[Finding] = []
    for rule in rules:
        if inv.kind is DocumentKind.CREDIT_NOTE and rule.code in PAYMENT_CODES:
            continue
        status = rule.test(inv, consumer)
        if status is None:
            continue
        en, fr = _note_profile(rule, status, inv.profile)
        findings.append(Finding(rule.code, status, en, fr, rule.basis))
    return findings


def missing(findings: list[Finding]) -> list[Finding]:
    """The findings that are the seller's fault (exit code 1 of check-invoice)."""
    return [f for f in findings if f.status is Status.MISSING]
