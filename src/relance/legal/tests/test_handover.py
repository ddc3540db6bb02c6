"""Agency handover: the claim element by element, the R124-4 letter read back, the export,
collections recorded back into the ledger."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.domain.money import Money
from relance.ledger.models import Invoice
from relance.legal.handover import (
    claim_breakdown,
    collected,
    fee_due,
    first_letter_pdf,
    handover_zip,
    record_collection,
    set_mandate,
)
from relance.legal.models import LegalCase
from relance.legal.services import open_case
from relance.testing import Ledger

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 5, 15)


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def debtor(ledger: Ledger) -> Customer:
    ledger.creditor.iban = "FR7630006000011234567890189"
    ledger.creditor.save()
    acme = ledger.customer(
        "ACME SAS", siren="552100554", address_line1="3 rue Neuve", postal_code="69001", city="Lyon"
    )
    # LEGAL.md §2: 10 000 due 31/03/2025 paid 15/05/2025 → 162.12 interest + 40 indemnity
    ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due="2025-03-31")
    return acme


def agency_case(debtor: Customer) -> LegalCase:
    case = open_case(debtor, "agency", date(2025, 5, 1), handler="Recouvrement Sud SAS")
    set_mandate(
        case,
        agency_name="Recouvrement Sud SAS",
        agency_address="8 cours Lafayette\n69003 Lyon",
        insurer="Assurances Mutuelles",
        insurance_policy="RC-4412",
        fee_percent=Decimal("12.50"),
        signed_on=date(2025, 5, 2),
    )
    return case


def test_the_claim_element_by_element(debtor: Customer) -> None:
    case = agency_case(debtor)
    breakdown = claim_breakdown(case, AS_OF)
    (line,) = breakdown.lines
    assert line.principal == Money.of("10000.00", "EUR")
    assert line.interest == Money.of("162.12", "EUR")
    assert line.indemnity == Money.of("40.00", "EUR")
    assert breakdown.total == Money.of("10202.12", "EUR")
    assert case.events.filter(stage="handed_over").count() == 1


def test_the_first_letter_has_every_r124_4_mention(debtor: Customer) -> None:
    text = text_of(first_letter_pdf(agency_case(debtor), AS_OF))
    for mention in (
        "Recouvrement Sud SAS",  # the agency
        "8 cours Lafayette",  # its address
        "recouvrement amiable",  # that it does amicable collection
        "Atelier Durand SARL",  # the creditor
        "12 rue de la République",  # its address
        "Principal restant dû : 10 000,00 €",
        "Intérêts de retard au 15/05/2025 : 162,12 €",
        "Indemnités forfaitaires pour frais de recouvrement : 40,00 €",
        "Total réclamé : 10 202,12 €",
        "FR7630006000011234567890189",  # how to pay
        "F-1",
        "Les frais de recouvrement entrepris sans titre exécutoire restent à la charge",
        "débiteur de mauvaise foi",
    ):
        assert mention in text, mention


def test_the_export(debtor: Customer) -> None:
    archive = zipfile.ZipFile(io.BytesIO(handover_zip(agency_case(debtor), AS_OF)))
    assert sorted(archive.namelist()) == ["claim.csv", "first-letter.pdf", "mandate.pdf"]
    rows = list(
        csv.reader(io.StringIO(archive.read("claim.csv").decode("utf-8-sig")), delimiter=";")
    )
    assert rows[1][:8] == [
        "F-1",
        "2025-03-01",
        "2025-03-31",
        "EUR",
        "10000.00",
        "162.12",
        "40.00",
        "10202.12",
    ]
    mandate = text_of(archive.read("mandate.pdf"))
    assert "RC-4412" in mandate and "12,50 %" in mandate and "30 jours" in mandate


def test_mandate_and_letter_refusals(ledger: Ledger, debtor: Customer) -> None:
    case = open_case(debtor, "agency", date(2025, 5, 1))
    with pytest.raises(BadInput, match="record the agency mandate first"):
        first_letter_pdf(case, AS_OF)
    with pytest.raises(BadInput, match="missing insurer, insurance_policy"):
        set_mandate(case, agency_name="X", agency_address="Y", signed_on=date(2025, 5, 2))
    with pytest.raises(BadInput, match="fee_percent"):
        set_mandate(
            case,
            agency_name="X",
            agency_address="Y",
            insurer="I",
            insurance_policy="P",
            fee_percent=Decimal("120"),
            signed_on=date(2025, 5, 2),
        )
    other = ledger.customer("Other SAS")
    ledger.invoice(other, "O-1", "100.00", issued="2025-01-01", due="2025-01-31")
    court = open_case(other, "payment_order", date(2025, 5, 1))
    with pytest.raises(BadInput, match="not handed over"):
        set_mandate(court, agency_name="X")


def test_collections_are_recorded_back(debtor: Customer) -> None:
    case = agency_case(debtor)
    mandate = case.mandate
    amount = Money.of("4000.00", "EUR")
    assert fee_due(mandate, amount) == Money.of("500.00", "EUR")
    record_collection(case, date(2025, 6, 1), amount, fee_due(mandate, amount))
    invoice = Invoice.objects.get(number="F-1")
    assert invoice.open_minor == 600000
    assert collected(case) == (Money.of("4000.00", "EUR"), Money.of("500.00", "EUR"))
    with pytest.raises(BadInput, match="fee"):
        record_collection(case, date(2025, 6, 2), Money.of("10", "EUR"), Money.of("11", "EUR"))
    with pytest.raises(BadInput, match="before the case"):
        record_collection(case, date(2025, 4, 2), Money.of("10", "EUR"), Money.of("0", "EUR"))


def test_api_mandate_claim_and_collection(ledger: Ledger, debtor: Customer) -> None:
    from relance.accounts.models import Role
    from relance.api.tests.conftest import api_for

    admin = api_for(ledger.user("admin", Role.ADMIN), ledger)
    case = open_case(debtor, "agency", date(2025, 5, 1))
    body = {
        "agency_name": "Recouvrement Sud SAS",
        "agency_address": "8 cours Lafayette, 69003 Lyon",
        "insurer": "Assurances Mutuelles",
        "insurance_policy": "RC-4412",
        "fee_percent": "10",
        "signed_on": "2025-05-02",
    }
    assert (
        admin.client.put(
            f"/api/legal-cases/{case.pk}/mandate",
            body,
            content_type="application/json",
            headers=admin.headers,
        ).status_code
        == 200
    )
    claim = admin.get(f"/legal-cases/{case.pk}/claim", as_of="2025-05-15").json()
    assert (claim["principal"], claim["interest"], claim["total"]) == (
        "10000.00",
        "162.12",
        "10202.12",
    )
    paid = admin.post(f"/legal-cases/{case.pk}/collections", {"on": "2025-06-01", "amount": "1000"})
    assert paid.status_code == 201, paid.json()
    assert (paid.json()["collected"], paid.json()["fees"]) == ("1000.00", "100.00")
    bad = admin.post(f"/legal-cases/{case.pk}/collections", {"on": "2025-06-01", "amount": "-5"})
    assert bad.status_code == 422


def test_web_handover_downloads(ledger: Ledger, debtor: Customer) -> None:
    from django.test import Client

    from relance.accounts.models import Role
    from relance.web.tests.conftest import login

    client = login(Client(), ledger.user("admin", Role.ADMIN))
    case = agency_case(debtor)
    page = client.get(f"/legal/{case.pk}/").content.decode()
    assert 'id="legal-handover"' in page and "Recouvrement Sud SAS" in page
    export = client.get(f"/legal/{case.pk}/handover/", {"as_of": "2025-05-15"})
    assert export["Content-Type"] == "application/zip"
    assert "claim.csv" in zipfile.ZipFile(io.BytesIO(export.content)).namelist()
    letter = client.get(f"/legal/{case.pk}/handover/", {"as_of": "2025-05-15", "file": "letter"})
    assert "débiteur de mauvaise foi" in text_of(letter.content)
    client.post(f"/legal/{case.pk}/collections/", {"on": "2025-06-01", "amount": "2000,00"})
    assert collected(case)[0] == Money.of("2000.00", "EUR")
