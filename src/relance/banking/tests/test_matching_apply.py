"""Matching applied to imported bank lines: payments and allocations, review, dry run."""

from __future__ import annotations

import pytest

from relance.banking.matching import apply_matching, infer_numbering
from relance.banking.models import BankLine, LineStatus
from relance.banking.services import import_statements
from relance.ledger.models import Invoice, Payment
from relance.testing import Ledger

pytestmark = pytest.mark.django_db


def ofx(*transactions: tuple[str, str, str, str]) -> bytes:
    rows = "".join(
        f"<STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20250310</DTPOSTED>"
        f"<TRNAMT>{amount}</TRNAMT><FITID>{fitid}</FITID><NAME>{name}</NAME>"
        f"<MEMO>{memo}</MEMO></STMTTRN>"
        for fitid, amount, name, memo in transactions
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE"?>
<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR</CURDEF>
<BANKACCTFROM><BANKID>30006</BANKID><BRANCHID>00001</BRANCHID><ACCTID>12345678901</ACCTID>
<ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>
<BANKTRANLIST><DTSTART>20250301</DTSTART><DTEND>20250331</DTEND>{rows}</BANKTRANLIST>
</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
""".encode()


def test_infer_numbering() -> None:
    assert infer_numbering(["FA-2025-00042", "FA-2024-00001", "INV1234", "2025"]) == (
        "FA-{YYYY}-{NNNNN}",
        "INV{NNNN}",
        "{NNNN}",
    )
    assert infer_numbering(["A1B2"]) == ()


def test_an_unambiguous_credit_becomes_a_payment_and_the_rest_goes_to_review(
    ledger: Ledger,
) -> None:
    acme = ledger.customer("ACME SAS")
    bolt = ledger.customer("Boulonnerie Bolt")
    f42 = ledger.invoice(acme, "FA-2025-00042", "1200.00", issued="2025-02-01", due="2025-03-03")
    ledger.invoice(bolt, "FA-2025-00043", "77.00", issued="2025-02-01", due="2025-03-03")
    ledger.invoice(bolt, "FA-2025-00044", "77.00", issued="2025-02-02", due="2025-03-04")
    data = ofx(
        ("T1", "1200.00", "ACME SAS", "VIR FACTURE FA 2025 42"),
        ("T2", "77.00", "QUELQU UN", "VIREMENT"),  # two invoices of 77.00: which one?
    )
    dry = import_statements(ledger.creditor, data, "mars.ofx", dry_run=True, match=True)
    assert dry.matching["applied"] == 1 and dry.matching["to_review"] == 1
    assert not Payment.objects.exists() and not BankLine.objects.exists()  # nothing written

    report = import_statements(ledger.creditor, data, "mars.ofx", match=True)
    assert report.matching["applied"] == 1
    f42.refresh_from_db()
    assert f42.open_minor == 0
    line = BankLine.objects.get(line_id__endswith="T1")
    assert line.status == LineStatus.MATCHED and line.payment is not None
    assert (line.payment.customer_id, line.payment.amount_minor) == (acme.pk, 120000)
    other = BankLine.objects.get(line_id__endswith="T2")
    assert other.status == LineStatus.TO_REVIEW and other.payment is None
    (review,) = report.matching["review"]
    assert review["line"] == other.pk and review["amount"] == "77.00"
    # matching again changes nothing: the matched line is never matched twice
    again = apply_matching(ledger.creditor)
    assert again.applied == 0 and Payment.objects.count() == 1
    assert Invoice.objects.filter(open_minor=0).count() == 1
