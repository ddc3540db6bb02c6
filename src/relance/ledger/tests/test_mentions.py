"""The mention check on ledger invoices: what the ledger holds is checked, the rest is
"not recorded", never the seller's fault."""

from __future__ import annotations

from datetime import date

from relance.customers.models import CustomerKind
from relance.domain.mentions import Status
from relance.ledger.mentions import check_invoice
from relance.testing import Ledger


def test_ledger_invoice(ledger: Ledger) -> None:
    ledger.creditor.vat_number = "FR44732829320"
    ledger.creditor.save()
    acme = ledger.customer(
        "ACME SAS", siren="552100554", address_line1="1 rue A", postal_code="75001", city="Paris"
    )
    inv = ledger.invoice(acme, "F-1", issued="2026-10-01", due="2026-10-31")
    found = {f.code: f.status for f in check_invoice(inv)}
    assert found["SALE_DATE"] is Status.MISSING  # the ledger has no delivery date for it
    assert found["PENALTY_RATE"] is Status.NOT_IN_PROFILE
    assert found["CATEGORY"] is Status.NOT_IN_PROFILE
    assert "BUYER_SIREN" not in found and "PAYMENT_DATE" not in found
    assert "Not recorded in relance" in next(f.en for f in check_invoice(inv) if f.code == "LINES")

    acme.siren = ""
    acme.save()
    inv.delivery_date = date(2026, 9, 30)
    inv.save()
    inv.refresh_from_db()
    found = {f.code: f.status for f in check_invoice(inv)}
    assert found.get("BUYER_SIREN") is Status.MISSING
    assert "SALE_DATE" not in found

    acme.kind = CustomerKind.B2C
    acme.save()
    inv.refresh_from_db()
    found = {f.code: f.status for f in check_invoice(inv)}
    # a consumer has no SIREN, and owes no penalty rate nor 40 € indemnity mention
    assert not {"BUYER_SIREN", "PENALTY_RATE", "INDEMNITY"} & set(found)
