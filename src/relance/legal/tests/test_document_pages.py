"""Web pages and API of the legal documents."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.test import Client
from pypdf import PdfReader

from relance.accounts.models import Role
from relance.api.tests.conftest import api_for
from relance.customers.models import Customer
from relance.legal.models import PenaltyInvoice
from relance.legal.services import open_case
from relance.testing import Ledger
from relance.web.tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(ledger: Ledger) -> Customer:
    acme = ledger.customer("ACME SAS", siren="552100554", postal_code="69001", city="Lyon")
    ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due="2025-03-31")
    return acme


def test_case_page_issues_penalties_notice_and_court_file(
    ledger: Ledger, acme: Customer, client: Client
) -> None:
    case = open_case(acme, "payment_order", date(2025, 5, 1))
    login(client, ledger.user("admin", Role.ADMIN))
    page = client.get(f"/legal/{case.pk}/").content.decode()
    assert "not legal advice" in page
    assert 'id="legal-documents"' in page
    client.post(f"/legal/{case.pk}/penalty-invoice/", {"as_of": "2025-05-15"})
    pi = PenaltyInvoice.objects.get()
    assert pi.number == "PEN-2025-0001"
    pdf = client.get(f"/legal/penalty-invoices/{pi.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert "PEN-2025-0001" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    client.post(
        f"/legal/{case.pk}/notice/",
        {"sent_on": "2025-05-16", "period": "8", "signatory": "Marie Durand"},
    )
    (notice,) = case.notices.all()
    assert notice.deadline == date(2025, 5, 24)
    got = client.get(f"/legal/{case.pk}/notice/{notice.pk}/pdf/")
    assert b"%PDF-" in got.content[:10]
    listing = client.get("/legal/penalty-invoices/").content.decode()
    assert "PEN-2025-0001" in listing and "not legal advice" in listing
    client.post(f"/legal/penalty-invoices/{pi.pk}/waive/", {"reason": "goodwill"})
    pi.refresh_from_db()
    assert pi.status == "waived"
    csv_body = client.get("/legal/penalty-invoices/?format=csv").content.decode("utf-8-sig")
    assert "PEN-2025-0001;2025-05-15;ACME SAS;552100554" in csv_body
    court = client.get(f"/legal/{case.pk}/court-file/?as_of=2025-06-01&format=json")
    assert json.loads(court.content)["debtor"]["name"] == "ACME SAS"
    court_pdf = client.get(f"/legal/{case.pk}/court-file/?as_of=2025-06-01")
    assert len(PdfReader(io.BytesIO(court_pdf.content)).pages) >= 3


def test_a_bad_notice_period_is_refused_with_a_message(
    ledger: Ledger, acme: Customer, client: Client
) -> None:
    case = open_case(acme, "payment_order", date(2025, 5, 1))
    login(client, ledger.user("admin", Role.ADMIN))
    response = client.post(
        f"/legal/{case.pk}/notice/",
        {"sent_on": "2025-05-16", "period": "ten", "signatory": "M"},
        follow=True,
    )
    assert "8 or 15" in response.content.decode()
    assert not case.notices.exists()


def test_a_reader_cannot_issue(ledger: Ledger, acme: Customer, client: Client) -> None:
    case = open_case(acme, "payment_order", date(2025, 5, 1))
    login(client, ledger.user("reader", Role.READ_ONLY))
    assert (
        client.post(f"/legal/{case.pk}/penalty-invoice/", {"as_of": "2025-05-15"}).status_code
        == 403
    )


def test_the_api(ledger: Ledger, acme: Customer) -> None:
    api = api_for(ledger.user("admin", Role.ADMIN), ledger)
    created = api.post(f"/customers/{acme.pk}/penalty-invoices", {"as_of": "2025-05-15"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["number"], body["interest"], body["indemnity"], body["total"]) == (
        "PEN-2025-0001",
        "162.12",
        "40.00",
        "202.12",
    )
    assert body["lines"][0]["days"] == 45
    again = api.post(f"/customers/{acme.pk}/penalty-invoices", {"as_of": "2025-05-15"})
    assert again.status_code == 422
    assert "no late-payment penalty left" in again.json()["message"]
    assert api.post(f"/penalty-invoices/{body['id']}/waive", {"reason": ""}).status_code == 422
    waived = api.post(f"/penalty-invoices/{body['id']}/waive", {"reason": "goodwill"})
    assert waived.json()["status"] == "waived"
    assert api.post("/penalty-invoices/999999/waive", {"reason": "x"}).status_code == 404
    listed = api.get("/penalty-invoices", status="waived").json()
    assert [p["number"] for p in listed] == ["PEN-2025-0001"]
    assert api.get("/penalty-invoices", status="issued").json() == []
    reader = api_for(ledger.user("reader", Role.READ_ONLY), ledger)
    assert reader.post(f"/customers/{acme.pk}/penalty-invoices", {}).status_code == 403
