"""Penalty invoices: amounts from the engine, never billed twice, numbering, waiver, Factur-X."""

from __future__ import annotations

import csv
import io
from datetime import date

import facturx
import pytest
from pypdf import PdfReader

from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.legal.models import PenaltyInvoice, PenaltyStatus
from relance.legal.penalty_invoices import (
    NO_VAT,
    draft_lines,
    export_csv,
    issue_penalty_invoice,
    pdf_of,
    waive,
)
from relance.testing import Ledger

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 5, 15)


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def acme(ledger: Ledger) -> Customer:
    return ledger.customer(
        "ACME SAS", siren="552100554", address_line1="3 rue Neuve", postal_code="69001", city="Lyon"
    )


def test_a_paid_late_invoice_is_billed_with_interest_and_indemnity(
    ledger: Ledger, acme: Customer
) -> None:
    # LEGAL.md §2: 10 000 due 31/03/2025 paid 15/05/2025 → 45 days, 162.12 + 40.00
    invoice = ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due="2025-03-31")
    ledger.payment(acme, "10000.00", on="2025-05-15", pays=[invoice])
    pi = issue_penalty_invoice(acme, date(2025, 6, 1))
    assert pi.number == "PEN-2025-0001"
    assert (pi.interest_minor, pi.indemnity_minor, pi.total_minor) == (16212, 4000, 20212)
    (line,) = pi.lines.all()
    assert line.days == 45
    assert line.billed_until == date(2025, 5, 15)
    assert [s["rate"] for s in line.segments] == ["13.15"]
    invoice.refresh_from_db()
    assert invoice.open_minor == 0  # the original is untouched


def test_the_same_days_are_not_billed_twice(ledger: Ledger, acme: Customer) -> None:
    ledger.invoice(acme, "F-2", "5000.00", issued="2025-05-16", due="2025-06-15")
    first = issue_penalty_invoice(acme, date(2025, 6, 30))
    (line,) = first.lines.all()
    assert (line.period_start, line.billed_until, line.days) == (
        date(2025, 6, 16),
        date(2025, 6, 30),
        15,
    )
    assert first.indemnity_minor == 4000
    second = issue_penalty_invoice(acme, date(2025, 8, 14))
    (line2,) = second.lines.all()
    assert line2.period_start == date(2025, 7, 1)
    assert line2.days == 45
    assert second.indemnity_minor == 0
    # 5 000 from 16/06 to 14/08: 101.92 in all (LEGAL.md §2), split over the two invoices
    assert abs(first.interest_minor + second.interest_minor - 10192) <= 1
    assert second.number == "PEN-2025-0002"
    with pytest.raises(BadInput, match="no late-payment penalty left"):
        issue_penalty_invoice(acme, date(2025, 8, 14))


def test_numbers_are_per_creditor_and_year(ledger: Ledger, acme: Customer) -> None:
    ledger.invoice(acme, "F-3", "1000.00", issued="2025-11-01", due="2025-12-01")
    assert issue_penalty_invoice(acme, date(2025, 12, 20)).number == "PEN-2025-0001"
    assert issue_penalty_invoice(acme, date(2026, 1, 10)).number == "PEN-2026-0001"
    other = Ledger.create("Autre SAS", siren="443061841")
    bob = other.customer("Bob SARL")
    other.invoice(bob, "X-1", "1000.00", issued="2025-11-01", due="2025-12-01")
    assert issue_penalty_invoice(bob, date(2025, 12, 20)).number == "PEN-2025-0001"


def test_a_failed_issue_leaves_no_number_used(ledger: Ledger, acme: Customer) -> None:
    with pytest.raises(BadInput):
        issue_penalty_invoice(acme, AS_OF)
    ledger.invoice(acme, "F-4", "1000.00", issued="2025-03-01", due="2025-03-31")
    assert issue_penalty_invoice(acme, AS_OF).number == "PEN-2025-0001"


def test_the_pdf_has_the_mentions_and_a_valid_factur_x_xml(ledger: Ledger, acme: Customer) -> None:
    ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due="2025-03-31")
    pi = issue_penalty_invoice(acme, AS_OF)
    pdf = pdf_of(pi)
    text = text_of(pdf)
    for mention in (
        "PEN-2025-0001",
        NO_VAT,
        "F-1",
        "45 jours",
        "13,15 %",
        "162,12",
        "40,00",
        "202,12",
        "SIREN 552100554",
        "SIREN 732829320",
    ):
        assert mention in text, mention
    name, xml = facturx.get_facturx_xml_from_pdf(pdf, check_xsd=False)
    assert name == "factur-x.xml"
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="basic")
    assert b"<ram:ID>PEN-2025-0001</ram:ID>" in xml
    assert b"<ram:GrandTotalAmount>202.12</ram:GrandTotalAmount>" in xml
    assert b"<ram:CategoryCode>O</ram:CategoryCode>" in xml


def test_waiving_keeps_the_invoice_and_its_days(ledger: Ledger, acme: Customer) -> None:
    ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due="2025-03-31")
    user = ledger.user("alice")
    pi = issue_penalty_invoice(acme, AS_OF)
    with pytest.raises(BadInput, match="reason"):
        waive(pi, "  ", user=user)
    waived = waive(pi, "good customer", user=user)
    assert (waived.status, waived.waived_reason, waived.waived_by) == (
        PenaltyStatus.WAIVED,
        "good customer",
        user,
    )
    assert waived.waived_at is not None
    with pytest.raises(BadInput, match="already waived"):
        waive(waived, "again")
    assert PenaltyInvoice.objects.filter(pk=pi.pk).exists()
    assert draft_lines(acme, AS_OF) == []


def test_the_accountant_export(ledger: Ledger, acme: Customer) -> None:
    ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due="2025-03-31")
    pi = issue_penalty_invoice(acme, AS_OF)
    waive(pi, "gesture")
    rows = list(
        csv.reader(
            io.StringIO(export_csv(PenaltyInvoice.objects.all()).decode("utf-8-sig")), delimiter=";"
        )
    )
    assert rows[0][:4] == ["number", "date", "customer", "siren"]
    assert rows[1] == [
        "PEN-2025-0001",
        "2025-05-15",
        "ACME SAS",
        "552100554",
        "EUR",
        "162.12",
        "40.00",
        "202.12",
        "waived",
    ]


def test_b2c_without_notice_gets_no_penalty_invoice(ledger: Ledger) -> None:
    person = ledger.customer("Jean Martin", kind="b2c")
    ledger.invoice(person, "F-9", "500.00", issued="2025-03-01", due="2025-03-31")
    with pytest.raises(BadInput, match="no late-payment penalty"):
        issue_penalty_invoice(person, AS_OF)
