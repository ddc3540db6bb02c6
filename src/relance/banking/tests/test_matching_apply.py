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


def _two_bolt_invoices(ledger: Ledger) -> tuple[object, object]:
    bolt = ledger.customer("Boulonnerie Bolt")
    a = ledger.invoice(bolt, "FA-2025-00043", "77.00", issued="2025-02-01", due="2025-03-03")
    b = ledger.invoice(bolt, "FA-2025-00044", "77.00", issued="2025-02-02", due="2025-03-04")
    import_statements(
        ledger.creditor, ofx(("T2", "77.00", "BOLT", "VIREMENT")), "m.ofx", match=True
    )
    return a, b


def test_the_review_queue_assign_accept_and_ignore(ledger: Ledger) -> None:
    from relance.banking.matching import accept, assign, ignore, review_queue
    from relance.core.errors import BadInput

    _a, b = _two_bolt_invoices(ledger)
    (waiting,) = review_queue(ledger.creditor)
    line = waiting.line
    assert line.status == LineStatus.TO_REVIEW
    with pytest.raises(BadInput, match="not found"):
        assign(ledger.creditor, line.pk, ["FA-2025-09999"])
    with pytest.raises(BadInput, match="at least one"):
        assign(ledger.creditor, line.pk, [" "])
    payment = assign(ledger.creditor, line.pk, ["FA-2025-00044"])
    b.refresh_from_db()  # type: ignore[attr-defined]
    assert b.open_minor == 0 and payment.amount_minor == 7700  # type: ignore[attr-defined]
    assert review_queue(ledger.creditor) == []
    with pytest.raises(BadInput, match="already matched"):
        accept(ledger.creditor, line.pk)
    # a second credit, ignored: not a customer payment
    import_statements(ledger.creditor, ofx(("T9", "12.00", "BANQUE", "RETRO")), "r.ofx", match=True)
    (other,) = review_queue(ledger.creditor)
    ignore(ledger.creditor, other.line.pk)
    other.line.refresh_from_db()
    assert other.line.status == LineStatus.IGNORED and review_queue(ledger.creditor) == []


def test_accept_applies_the_engines_proposal(ledger: Ledger) -> None:
    from relance.banking.matching import accept, review_queue

    acme = ledger.customer("ACME SAS")
    f1 = ledger.invoice(acme, "FA-2025-00050", "500.00", issued="2025-02-01", due="2025-03-03")
    # a partial payment naming the invoice: review, suggestion partial
    import_statements(
        ledger.creditor,
        ofx(("P1", "200.00", "ACME SAS", "ACOMPTE FA-2025-00050")),
        "p.ofx",
        match=True,
    )
    (waiting,) = review_queue(ledger.creditor)
    assert waiting.numbers == ["FA-2025-00050"] and waiting.decision.suggestion == "partial"
    accept(ledger.creditor, waiting.line.pk)
    f1.refresh_from_db()
    assert f1.open_minor == 30000


def test_review_page_and_api(ledger: Ledger) -> None:
    from django.test import Client

    from relance.accounts.models import Role
    from relance.api.tests.conftest import api_for
    from relance.web.tests.conftest import login

    _a, _b = _two_bolt_invoices(ledger)
    line = BankLine.objects.get()
    client = login(Client(), ledger.user("admin", Role.ADMIN))
    page = client.get("/bank/review/").content.decode()
    assert f'id="line-{line.pk}"' in page and "BOLT" in page
    collector = login(Client(), ledger.user("alice", Role.COLLECTOR))
    assert collector.get("/bank/review/").status_code == 403
    api = api_for(ledger.user("manager", Role.CREDIT_MANAGER), ledger)
    bad = api.post(f"/bank-lines/{line.pk}/decide", {"decision": "assign", "invoices": ["NOPE"]})
    assert bad.status_code == 422
    done = api.post(
        f"/bank-lines/{line.pk}/decide", {"decision": "assign", "invoices": ["FA-2025-00043"]}
    )
    assert done.status_code == 200 and done.json()["status"] == "matched"
    assert api.post("/bank-lines/999999/decide", {"decision": "ignore"}).status_code == 404


def test_a_line_split_over_two_customers(ledger: Ledger) -> None:
    from relance.banking.matching import assign, review_queue

    parent = ledger.customer("Groupe Martin")
    child = ledger.customer("Martin Nord")
    p1 = ledger.invoice(parent, "FA-2025-00060", "300.00", issued="2025-02-01", due="2025-03-03")
    c1 = ledger.invoice(child, "FA-2025-00061", "200.00", issued="2025-02-01", due="2025-03-03")
    import_statements(
        ledger.creditor, ofx(("S1", "500.00", "GROUPE", "REGLEMENT")), "s.ofx", match=True
    )
    (waiting,) = review_queue(ledger.creditor)
    payment = assign(ledger.creditor, waiting.line.pk, ["FA-2025-00060", "FA-2025-00061"])
    payment.refresh_from_db()  # allocated_minor is kept by the database
    assert payment.customer_id is None and payment.allocated_minor == 50000
    p1.refresh_from_db()
    c1.refresh_from_db()
    assert p1.open_minor == 0 and c1.open_minor == 0
