"""Every reminder says how to pay by transfer with a reference that matching reads back;
letters carry the EPC QR code."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from relance.channels.letter.payment import payment_details, qr_svg
from relance.customers.models import Customer
from relance.domain.matching import OpenInvoice, Outcome, match
from relance.domain.money import Money
from relance.domain.references import is_valid_rf, rf_reference
from relance.domain.statements import LineKind, StatementLine
from relance.dunning.messages import render
from relance.dunning.tests.test_messages import make
from relance.ledger.models import Invoice
from relance.testing import Ledger

IBAN = "FR7630006000011234567890189"


def test_one_invoice_gets_its_rf_reference_and_the_epc_payload() -> None:
    details = payment_details(
        IBAN, "AGRIFRPP", "Atelier Durand SARL", ["FA-2025-00042"], Money.of("1500.00", "EUR")
    )
    assert details is not None and details.is_rf
    assert details.reference.replace(" ", "") == rf_reference("FA-2025-00042")
    lines = details.epc.split("\n")
    assert lines[:7] == ["BCD", "002", "1", "SCT", "AGRIFRPP", "Atelier Durand SARL", IBAN]
    assert lines[7] == "EUR1500" and lines[9] == rf_reference("FA-2025-00042")
    assert qr_svg(details.epc).startswith("<?xml") and "<svg" in qr_svg(details.epc)


def test_several_invoices_are_named_and_no_iban_says_nothing() -> None:
    details = payment_details(IBAN, "", "X", ["F-1", "F-2"], Money.of("10", "EUR"))
    assert details is not None and not details.is_rf and details.reference == "F-1 F-2"
    assert details.epc.split("\n")[-1] == "F-1 F-2"  # unstructured remittance text
    assert payment_details("", "", "X", ["F-1"], None) is None
    # not in euros: the transfer is described, no SEPA QR code
    assert payment_details(IBAN, "", "X", ["F-1"], Money.of("10", "CHF")).epc == ""  # type: ignore[union-attr]


@pytest.fixture
def acme(ledger: Ledger) -> Customer:
    ledger.creditor.iban = IBAN
    ledger.creditor.save()
    return ledger.customer(
        "ACME SAS", address_line1="3 rue Neuve", postal_code="69001", city="Lyon", language="fr"
    )


@pytest.mark.django_db
def test_the_email_names_the_reference_and_matching_reads_it_back(
    ledger: Ledger, acme: Customer
) -> None:
    ledger.contact(acme, "ap@acme.example")
    action = make(ledger, acme, "email")
    message = render(action, date(2025, 5, 15))
    invoice = Invoice.objects.get(customer=acme)
    rf = rf_reference(invoice.number)
    assert IBAN in message.body
    found = re.search(r"en indiquant la référence ([A-Z0-9 ]+)\.", message.body)
    assert found is not None, message.body
    printed = found.group(1)
    assert printed.replace(" ", "") == rf and is_valid_rf(rf)
    # a transfer quoting the printed reference is applied to that invoice automatically
    line = StatementLine(
        "L1",
        date(2025, 5, 20),
        None,
        Money.of("1500.00", "EUR"),
        LineKind.CREDIT,
        counterparty_name="ACME",
        references=(f"VIREMENT {printed}",),
    )
    candidate = OpenInvoice(
        invoice.pk,
        acme.pk,
        invoice.number,
        rf,
        Money.of("1500.00", "EUR"),
        invoice.issue_date,
        invoice.due_date,
        "ACME SAS",
    )
    (decision,) = match([line], [candidate])
    assert decision.outcome is Outcome.AUTO
    assert decision.proposals[0].allocations[0].invoice_id == invoice.pk


@pytest.mark.django_db
def test_the_letter_carries_the_qr_code(ledger: Ledger, acme: Customer) -> None:
    message = render(make(ledger, acme, "letter"), date(2025, 5, 15))
    pdf = PdfReader(io.BytesIO(message.attachments[0].content))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert "Scannez ce code avec votre application bancaire" in text
    assert IBAN in text
    # the QR code is drawn as vector paths (typst turns the SVG into PDF drawing operators)
    assert len(pdf.pages[0].get_contents().get_data()) > 5000  # type: ignore[union-attr]
