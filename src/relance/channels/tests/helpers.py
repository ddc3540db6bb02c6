"""A customer with one overdue invoice, planned on DAY on the channel wanted, and sent; a
reminder of three invoices with their PDFs, sent by email."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.core.files.base import ContentFile

from relance.channels.models import Correspondence
from relance.customers.models import Customer
from relance.dunning.models import PolicyStep
from relance.dunning.outbox import dispatch
from relance.dunning.services import ensure_default_policy, plan_run
from relance.testing import Ledger

DAY = date(2025, 4, 1)
NOW = datetime(2025, 4, 1, 8, 0, tzinfo=UTC)


def customer(ledger: Ledger, email: str = "compta@acme.example", **fields: object) -> Customer:
    acme = ledger.customer("ACME", address_line1="3 rue Neuve", postal_code="69001", city="Lyon")
    ledger.contact(
        acme, email, first_name="Jeanne", last_name="Martin", is_primary_billing=True, **fields
    )
    ledger.invoice(acme, "F-1", "1234.56", issued="2025-03-01", due="2025-03-31")
    return acme


def send_step(ledger: Ledger, channel: str) -> Correspondence:
    """Plan DAY with the first step after the due date on `channel`, send it, return the copy."""
    policy = ensure_default_policy(ledger.creditor)
    PolicyStep.objects.filter(policy=policy, key="j+1").update(channels=channel)
    plan_run(ledger.creditor, DAY)
    assert dispatch(now=NOW) == {"sent": 1}
    # The archive stamps the real clock; the tests' calendar is DAY.
    Correspondence.objects.update(sent_at=NOW)
    return Correspondence.objects.get(channel=channel)


def three_invoices_by_email(ledger: Ledger) -> Correspondence:
    """A reminder listing three invoices, each with its stored PDF (one slash in a number)."""
    acme = ledger.customer("ACME", address_line1="3 rue Neuve", postal_code="69001", city="Lyon")
    ledger.contact(acme, "compta@acme.example", is_primary_billing=True)
    for number in ("F-1", "F-2", "F/3"):
        invoice = ledger.invoice(acme, number, "100.00", issued="2025-03-01", due="2025-03-31")
        stored = number.replace("/", "-") + ".pdf"
        invoice.pdf.save(stored, ContentFile(f"%PDF-1.7 invoice {number}".encode()), save=True)
    plan_run(ledger.creditor, DAY)
    assert dispatch(now=NOW) == {"sent": 1}
    return Correspondence.objects.get(customer=acme)
