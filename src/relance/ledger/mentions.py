"""The mandatory-mention check on an invoice of the ledger (see relance.domain.mentions).

The ledger keeps what collections need, not the whole invoice: no lines, no notes, no
category of operation. The invoice is described as an `EInvoice` of profile LEDGER, so
the mentions relance cannot know are reported as "not recorded", never as missing.
When the invoice was imported from an e-invoice, check the file instead (its findings
are kept with the document).
"""

from __future__ import annotations

from datetime import date

from relance.creditors.models import Creditor
from relance.customers.models import Customer, CustomerKind
from relance.domain.einvoice import Address, EInvoice, Party, Profile
from relance.domain.mentions import REFORM_FROM, Finding, check
from relance.ledger.models import Invoice


def _creditor_party(c: Creditor) -> Party:
    lines = tuple(t for t in (c.address_line1, c.address_line2) if t)
    return Party(
        name=c.legal_name,
        siren=c.siren,
        siret=c.siret,
        vat_number=c.vat_number,
        address=Address(lines, c.postal_code, c.city, c.country),
    )


def _customer_party(c: Customer) -> Party:
    lines = tuple(t for t in (c.address_line1, c.address_line2) if t)
    return Party(
        name=c.legal_name,
        siren=c.siren,
        siret=c.siret,
        vat_number=c.vat_number,
        address=Address(lines, c.postal_code, c.city, c.country),
    )


def einvoice_of(invoice: Invoice) -> EInvoice:
    return EInvoice(
        syntax="ledger",
        profile=Profile.LEDGER,
        profile_id="",
        number=invoice.number,
        type_code="380",
        issue_date=invoice.issue_date,
        currency=invoice.currency,
        total_excl_tax=invoice.total_excl_tax,
        tax_total=None,
        total_incl_tax=invoice.total,
        amount_due=invoice.total,
        seller=_creditor_party(invoice.creditor),
        buyer=_customer_party(invoice.customer),
        due_date=invoice.due_date,
        delivery_date=invoice.delivery_date,
        purchase_order=invoice.po_number,
    )


def check_invoice(invoice: Invoice, *, reform_from: date = REFORM_FROM) -> list[Finding]:
    consumer = invoice.customer.kind == CustomerKind.B2C
    return check(einvoice_of(invoice), reform_from=reform_from, consumer=consumer)
