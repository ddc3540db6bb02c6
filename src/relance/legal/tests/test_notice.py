"""The formal notice: read back mention by mention; its date starts B2C interest."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from relance.core.errors import BadInput
from relance.legal.handover import claim_breakdown
from relance.legal.models import LegalCase
from relance.legal.notice import record_notice, record_receipt
from relance.legal.services import open_case
from relance.testing import Ledger

pytestmark = pytest.mark.django_db
SENT = date(2025, 5, 15)


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


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
    invoice = ledger.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due="2025-03-31")
    ledger.payment(acme, "1000.00", on="2025-04-30", pays=[invoice])
    return open_case(acme, "payment_order", date(2025, 5, 10))


def test_the_notice_has_every_mention(case: LegalCase) -> None:
    notice = record_notice(case, SENT, 15, "Marie Durand, gérante")
    text = text_of(bytes(notice.pdf or b""))
    for mention in (
        "MISE EN DEMEURE",
        "Lettre recommandée avec accusé de réception",
        "Atelier Durand SARL",  # creditor, its form, office, SIREN
        "SARL",
        "12 rue de la République",
        "SIREN 732829320",
        "ACME SAS",  # debtor
        "SIREN 552100554",
        "3 rue Neuve",
        "Facture n° F-1 du 01/03/2025",
        "10 000,00",
        "échéance 31/03/2025",
        "paiements reçus : 1 000,00",
        "principal restant dû : 9 000,00",
        "au taux de 13,15 %",
        "indemnité forfaitaire pour frais de recouvrement : 40,00",
        "dans un délai de 15 jours",
        "au plus tard le 30/05/2025",
        "injonction de payer",
        "intérêts de retard continueront de courir",
        "Fait à Lyon, le 15/05/2025",
        "Marie Durand, gérante",
        "signature",
    ):
        assert mention in text, mention
    case.refresh_from_db()
    assert case.notice_deadline == date(2025, 5, 30)
    assert list(case.events.values_list("stage", flat=True)) == ["notice_sent"]
    assert notice.deadline == date(2025, 5, 30)


def test_bad_notice_input(case: LegalCase) -> None:
    with pytest.raises(BadInput, match="8 or 15"):
        record_notice(case, SENT, 10, "M. D")
    with pytest.raises(BadInput, match="signatory"):
        record_notice(case, SENT, 8, " ")
    with pytest.raises(BadInput, match="before the case was opened"):
        record_notice(case, date(2025, 5, 1), 8, "M. D")
    assert not case.notices.exists()


def test_the_receipt_records_the_acknowledgment(case: LegalCase) -> None:
    notice = record_notice(case, SENT, 8, "M. D")
    with pytest.raises(BadInput, match="only PDF"):
        record_receipt(notice, date(2025, 5, 17), "ar.txt", b"hello")
    record_receipt(notice, date(2025, 5, 17), "ar.pdf", b"%PDF-1.4 receipt")
    assert notice.receipt_name == "ar.pdf"
    assert case.events.filter(stage="ack_received").count() == 1


def test_a_b2c_notice_starts_interest_at_the_legal_rate(ledger: Ledger) -> None:
    person = ledger.customer("Jean Martin", kind="b2c", postal_code="75011", city="Paris")
    ledger.invoice(person, "F-9", "1000.00", issued="2025-03-01", due="2025-03-31")
    case = open_case(person, "payment_order", date(2025, 4, 15))
    assert claim_breakdown(case, date(2025, 6, 30)).interest.is_zero
    notice = record_notice(case, date(2025, 5, 1), 8, "M. D")
    assert "taux légal" in text_of(bytes(notice.pdf or b""))
    line = claim_breakdown(case, date(2025, 6, 30)).lines[0]
    # legal rate "other cases" 2025 S1 3.71 %, S2 2.76 %: 60 days then 0 (30/06 end of S1)
    # from 02/05 to 30/06 = 60 days at 3.71 % on 1 000 → 6.10
    assert str(line.interest.amount) == "6.10"
    assert line.indemnity.is_zero
