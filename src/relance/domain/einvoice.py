"""The content of an electronic invoice (EN 16931), whatever its syntax.

Readers (relance.einvoice.readers) turn Factur-X / ZUGFeRD PDFs, CII XML and UBL XML into
one `EInvoice`; the mention check (relance.domain.mentions) and the import read only this
record. Every field a profile or a file may leave out is optional: an empty value means
"not in the file", never "zero".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from relance.domain.money import Money


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


#: UNTDID 1001 codes that EN 16931 lists as credit notes; every other code is an invoice
#: (380 commercial, 384 corrective, 389 self-billed, 386 prepayment …).
CREDIT_NOTE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458"})


def kind_of(type_code: str) -> DocumentKind:
    return DocumentKind.CREDIT_NOTE if type_code in CREDIT_NOTE_CODES else DocumentKind.INVOICE


class Profile(StrEnum):
    """The profile (CIUS or Factur-X level) the file declares, which bounds what it can carry."""

    MINIMUM = "MINIMUM"
    BASIC_WL = "BASIC WL"
    BASIC = "BASIC"
    EN16931 = "EN16931"
    EXTENDED = "EXTENDED"
    EXTENDED_CTC_FR = "EXTENDED-CTC-FR"
    XRECHNUNG = "XRECHNUNG"
    PEPPOL = "PEPPOL"
    ZUGFERD_1 = "ZUGFERD 1"
    UNKNOWN = "UNKNOWN"
    #: not a file: an invoice of relance's ledger, which keeps no lines, notes or category
    LEDGER = "LEDGER"

    @property
    def has_lines(self) -> bool:
        """MINIMUM and BASIC WL carry no invoice lines (the PDF shows them)."""
        return self not in (Profile.MINIMUM, Profile.BASIC_WL, Profile.LEDGER)

    @property
    def has_details(self) -> bool:
        """MINIMUM carries no addresses, notes, payment terms nor delivery."""
        return self is not Profile.MINIMUM

    @property
    def has_notes(self) -> bool:
        return self not in (Profile.MINIMUM, Profile.LEDGER)

    @property
    def has_category(self) -> bool:
        return self is not Profile.LEDGER


class Category(StrEnum):
    """Category of the operation (reform: goods, services or both), from the billing framework."""

    GOODS = "goods"
    SERVICES = "services"
    MIXED = "mixed"


@dataclass(frozen=True, slots=True)
class Address:
    lines: tuple[str, ...] = ()
    postal_code: str = ""
    city: str = ""
    country: str = ""

    @property
    def is_empty(self) -> bool:
        return not (any(self.lines) or self.postal_code or self.city)

    def one_line(self) -> str:
        parts = [*self.lines, f"{self.postal_code} {self.city}".strip(), self.country]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Party:
    name: str = ""
    siren: str = ""
    siret: str = ""
    vat_number: str = ""
    address: Address = field(default_factory=Address)

    @property
    def country(self) -> str:
        return self.address.country


@dataclass(frozen=True, slots=True)
class Note:
    """A free-text note (BT-22) and its UNTDID 4451 subject code (BT-21), e.g. PMD, PMT, AAB."""

    text: str
    subject: str = ""


@dataclass(frozen=True, slots=True)
class EInvoice:
    syntax: str  # "CII", "UBL" or "ZUGFeRD 1" (the older CII)
    profile: Profile
    profile_id: str  # the declared identifier, as written in the file
    number: str
    type_code: str
    issue_date: date
    currency: str
    total_excl_tax: Money | None
    tax_total: Money | None
    total_incl_tax: Money
    amount_due: Money
    prepaid: Money | None = None
    seller: Party = field(default_factory=Party)
    buyer: Party = field(default_factory=Party)
    due_date: date | None = None
    payment_terms: str = ""
    delivery_address: Address = field(default_factory=Address)
    delivery_date: date | None = None
    #: last day of the invoicing period (BT-74), the service date when no delivery date
    period_end: date | None = None
    purchase_order: str = ""
    preceding_invoice: str = ""
    lines_count: int = 0
    notes: tuple[Note, ...] = ()
    iban: str = ""
    payment_means_code: str = ""
    business_process: str = ""
    category: Category | None = None
    #: VAT point date code (BT-8): "5"/"3" means VAT on debits (invoice date).
    vat_point_code: str = ""
    early_payment_terms: str = ""

    @property
    def kind(self) -> DocumentKind:
        return kind_of(self.type_code)

    def notes_with(self, *subjects: str) -> tuple[Note, ...]:
        return tuple(n for n in self.notes if n.subject in subjects)
