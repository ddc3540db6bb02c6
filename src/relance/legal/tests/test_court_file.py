"""The injonction-de-payer file: request, bordereau, chronology, documents bundled, JSON."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from relance.channels.letter.pdf import Letter, Sender, render_pdf
from relance.channels.models import Correspondence, CorrespondenceAttachment
from relance.core.errors import BadInput
from relance.legal.court_file import court_file, court_file_pdf
from relance.legal.models import LegalCase
from relance.legal.notice import record_notice, record_receipt
from relance.legal.services import open_case
from relance.testing import Ledger

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 6, 15)


def texts(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def case(ledger: Ledger) -> LegalCase:
    acme = ledger.customer(
        "ACME SAS",
        legal_form="SAS",
        siren="552100554",
        address_line1="3 rue Neuve",
        postal_code="69001",
        city="Lyon",
    )
    ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due="2025-03-31")
    letter = render_pdf(
        Letter("fr", Sender("Atelier Durand SARL", []), ["ACME SAS"], "", "Relance F-1", ["R1"])
    )
    for n, (attachment, day) in enumerate(((letter, 10), (None, 20)), start=1):
        copy = Correspondence.objects.create(
            creditor=ledger.creditor,
            customer=acme,
            channel="letter" if attachment else "email",
            backend="test",
            idempotency_key=f"k{n}",
            recipient="ACME SAS",
            subject=f"Relance {n}",
            body="…",
            sha256="0" * 64,
            sent_at=datetime(2025, 4, day, 9, tzinfo=UTC),
        )
        if attachment:
            CorrespondenceAttachment.objects.create(
                correspondence=copy,
                position=1,
                filename="relance.pdf",
                mimetype="application/pdf",
                content=attachment,
                sha256="0" * 64,
            )
    case = open_case(acme, "payment_order", date(2025, 5, 1))
    notice = record_notice(case, date(2025, 5, 2), 8, "Marie Durand")
    record_receipt(notice, date(2025, 5, 5), "ar.pdf", letter)
    return case


def test_the_file_lists_everything_in_order(case: LegalCase) -> None:
    cf = court_file(case, AS_OF)
    titles = [e.title for e in cf.exhibits]
    assert titles[0].startswith("Facture n° F-1")
    assert titles[1] == "Conditions de paiement du créancier"
    assert titles[2].startswith("Relance (letter) du 10/04/2025")
    assert titles[3].startswith("Relance (email) du 20/04/2025")
    assert titles[4] == "Mise en demeure du 02/05/2025"
    assert titles[5].startswith("Accusé de réception")
    assert [e.attached for e in cf.exhibits] == [False, True, True, False, True, True]
    data = json.loads(json.dumps(cf.as_json()))
    assert "tribunal de commerce" in data["court"]
    assert data["debtor"]["siren"] == "552100554"
    assert data["amount"]["principal"] == "10000.00"
    assert data["amount"]["indemnity"] == "40.00"
    assert [c["what"] for c in data["chronology"]][:2] == [
        "relance letter : Relance 1",
        "relance email : Relance 2",
    ]


def test_the_pdf_bundles_request_and_documents(case: LegalCase) -> None:
    pages = texts(court_file_pdf(case, AS_OF))
    request = pages[0] + " " + (pages[1] if len(pages) > 1 else "")
    for mention in (
        "REQUÊTE EN INJONCTION DE PAYER",
        "tribunal de commerce",
        "Atelier Durand SARL",
        "SIREN 732829320",
        "ACME SAS",
        "SIREN 552100554",
        "10 000,00",
        "Fondement de la créance",
        "BORDEREAU DES PIÈCES",
        "Pièce n° 1 : Facture n° F-1 du 01/03/2025 (jointe à part)",
        "Pièce n° 5 : Mise en demeure du 02/05/2025",
        "CHRONOLOGIE DU RECOUVREMENT",
        "ouverture du dossier contentieux",
    ):
        assert mention in request, mention
    joined = " ".join(pages)
    assert "Conditions de paiement du créancier" in joined
    assert "MISE EN DEMEURE" in joined
    assert joined.count("Relance F-1") == 2  # the letter sent and the receipt copy


def test_only_for_payment_orders(ledger: Ledger) -> None:
    bob = ledger.customer("Bob SARL")
    ledger.invoice(bob, "B-1", "100.00", issued="2025-03-01", due="2025-03-31")
    agency = open_case(bob, "agency", date(2025, 5, 1))
    with pytest.raises(BadInput, match="payment-order"):
        court_file(agency, AS_OF)
