"""Importing statements into the database: what is stored, duplicates, returns, dry runs."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from relance.banking.models import BankAccount, BankLine, BankStatement, LineStatus
from relance.banking.services import StatementRefused, import_statements, record_payment
from relance.banking.tests import fixtures
from relance.core.errors import BadInput
from relance.ledger.models import Allocation, Invoice, Payment
from relance.testing import Ledger

IBAN = "FR7630006000011234567890189"


def test_import_stores_account_statement_and_lines(ledger: Ledger) -> None:
    report = import_statements(ledger.creditor, fixtures.camt053(), "feb.xml")
    assert report.kind == "camt" and not report.dry_run and not report.duplicate_file
    [item] = report.statements
    assert (item.lines, item.new_lines, item.duplicate_lines) == (4, 4, [])
    account = BankAccount.objects.get(creditor=ledger.creditor)
    assert account.iban == IBAN
    st = BankStatement.objects.get(account=account)
    assert (st.statement_id, st.format, st.opening_minor, st.closing_minor) == (
        "STMT-2025-03-01",
        "camt.053.001.02",
        100000,
        95000,
    )
    rows = list(BankLine.objects.filter(statement=st).order_by("id"))
    assert [(r.line_id, r.amount_minor, r.kind, r.status) for r in rows] == [
        ("E1", 15000, "credit", "new"),
        ("E2-A", 10000, "credit", "new"),
        ("E2-B", 20000, "credit", "new"),
        ("E3", -50000, "return", "to_review"),  # no earlier payment to reverse
    ]
    assert rows[0].references == ["RF18539007547034", "Facture F-1", "E2E-F-1"]
    assert rows[0].counterparty_iban == "FR1420041010050500013M02606"
    assert rows[3].return_reason == "AM04"
    assert [r.reason for r in report.returns] == ["AM04"]
    assert ledger.creditor.payments.count() == 0  # nothing in the ledger yet


def test_same_file_twice_is_reported_and_not_stored(ledger: Ledger) -> None:
    import_statements(ledger.creditor, fixtures.camt053(), "feb.xml")
    again = import_statements(ledger.creditor, fixtures.camt053(), "feb-copy.xml")
    assert again.duplicate_file and again.statements[0].duplicate
    assert again.new_lines == 0
    assert BankStatement.objects.count() == 1 and BankLine.objects.count() == 4


def test_same_statement_id_in_another_file_is_a_duplicate(ledger: Ledger) -> None:
    import_statements(ledger.creditor, fixtures.camt053(), "feb.xml")
    other_bytes = fixtures.camt053() + b"\n"
    again = import_statements(ledger.creditor, other_bytes, "feb2.xml")
    assert not again.duplicate_file and again.statements[0].duplicate
    assert BankStatement.objects.count() == 1


def test_lines_seen_in_an_earlier_statement_are_duplicates(ledger: Ledger) -> None:
    import_statements(ledger.creditor, fixtures.camt053(), "feb.xml")
    later = fixtures.camt053().replace(b"<Id>STMT-2025-03-01</Id>", b"<Id>STMT-2</Id>")
    report = import_statements(ledger.creditor, later, "later.xml")
    [item] = report.statements
    assert not item.duplicate
    assert item.duplicate_lines == ["E1", "E2-A", "E2-B", "E3"] and item.new_lines == 0
    assert BankStatement.objects.count() == 2 and BankLine.objects.count() == 4


def test_database_refuses_a_line_twice(ledger: Ledger) -> None:
    import_statements(ledger.creditor, fixtures.camt053(), "feb.xml")
    line = BankLine.objects.first()
    assert line is not None
    line.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        line.save()


def test_dry_run_writes_nothing_and_reports_the_same(ledger: Ledger) -> None:
    dry = import_statements(ledger.creditor, fixtures.camt053(), "feb.xml", dry_run=True)
    assert dry.dry_run and dry.new_lines == 4 and len(dry.returns) == 1
    assert BankAccount.objects.count() == 0 and BankLine.objects.count() == 0
    real = import_statements(ledger.creditor, fixtures.camt053(), "feb.xml")
    assert real.new_lines == dry.new_lines


def test_bad_file_is_refused_and_nothing_written(ledger: Ledger) -> None:
    with pytest.raises(StatementRefused) as caught:
        import_statements(ledger.creditor, fixtures.camt053(amount="1.001"), "bad.xml")
    assert caught.value.error.file == "bad.xml" and caught.value.error.field == "Amt"
    with pytest.raises(StatementRefused, match="not a camt, OFX or CFONB"):
        import_statements(ledger.creditor, b"hello", "x.bin")
    assert BankAccount.objects.count() == 0 and BankStatement.objects.count() == 0


def test_account_option_must_match(ledger: Ledger) -> None:
    report = import_statements(ledger.creditor, fixtures.camt053(), "f.xml", account=IBAN)
    assert report.new_lines == 4
    with pytest.raises(StatementRefused, match="is for account"):
        import_statements(ledger.creditor, fixtures.OFX2, "f.ofx", account="DE89370400440532013000")


def test_a_return_reopens_the_invoice_its_payment_settled(ledger: Ledger) -> None:
    acme = ledger.customer("ACME SAS")
    invoice = ledger.invoice(acme, "F-1", "1200.00")
    other = ledger.invoice(acme, "F-9", "50.00")
    # February: the payment of F-1 arrives by transfer (e2e E2E-F-1) ...
    import_statements(ledger.creditor, fixtures.camt053(), "feb.xml")
    credit = BankLine.objects.get(line_id="E1")
    # ... and the matching step turns it into a payment allocated to F-1
    payment = ledger.payment(acme, "1200.00", pays=[invoice])
    record_payment(credit, payment)
    invoice.refresh_from_db()
    assert invoice.open_minor == 0
    ledger.payment(acme, "50.00", pays=[other])
    # March: the bank returns it (CFONB operation with a reject code, same e2e)
    report = import_statements(ledger.creditor, fixtures.cfonb_statement(reject="AC"), "mar.txt")
    [ret] = report.returns
    assert (ret.reason, ret.returned_line, ret.reopened) == ("AC", "E1", ["F-1"])
    invoice.refresh_from_db()
    other.refresh_from_db()
    assert invoice.open_minor == 120000  # open again: reminders resume
    assert other.open_minor == 0  # untouched
    assert not Allocation.objects.filter(payment=payment).exists()
    line = BankLine.objects.get(statement__format="cfonb120", kind="return")
    assert line.status == LineStatus.MATCHED and line.returned_line == credit


def test_a_return_without_known_payment_waits_for_review(ledger: Ledger) -> None:
    report = import_statements(ledger.creditor, fixtures.cfonb_statement(reject="AC"), "m.txt")
    assert report.returns[0].returned_line == "" and report.returns[0].reopened == []
    assert BankLine.objects.get(kind="return").status == LineStatus.TO_REVIEW


def test_record_payment_takes_only_credit_lines(ledger: Ledger) -> None:
    acme = ledger.customer("ACME SAS")
    import_statements(ledger.creditor, fixtures.camt053(), "feb.xml")
    payment = ledger.payment(acme, "10.00")
    with pytest.raises(BadInput, match="only a credit line"):
        record_payment(BankLine.objects.get(line_id="E3"), payment)
    other = Ledger.create("Autre SAS", siren="552100554")
    with pytest.raises(BadInput, match="different creditors"):
        record_payment(BankLine.objects.get(line_id="E1"), other.payment(None, "1.00"))


def _paid_credit(ledger: Ledger) -> tuple[Invoice, Payment]:
    """F-1 paid by the February credit line E1 (150.00, e2e E2E-F-1, RF18539007547034)."""
    acme = ledger.customer("ACME SAS")
    invoice = ledger.invoice(acme, "F-1", "150.00")
    import_statements(ledger.creditor, fixtures.camt053(), "feb.xml")
    payment = ledger.payment(acme, "150.00", pays=[invoice])
    record_payment(BankLine.objects.get(line_id="E1"), payment)
    return invoice, payment


def test_a_return_found_by_reference_and_amount(ledger: Ledger) -> None:
    invoice, _payment = _paid_credit(ledger)
    report = import_statements(
        ledger.creditor, fixtures.camt054_return("150.00", ref="RF18539007547034"), "r.xml"
    )
    assert [(r.reason, r.returned_line, r.reopened) for r in report.returns] == [
        ("MD06", "E1", ["F-1"])
    ]
    invoice.refresh_from_db()
    assert invoice.open_minor == 15000


@pytest.mark.parametrize(
    "data",
    [
        fixtures.camt054_return("99.00", ref="RF18539007547034"),  # another amount
        fixtures.camt054_return("150.00", ref="RF00000000000000"),  # another reference
        fixtures.camt054_return("150.00", e2e="E2E-OTHER"),  # another end-to-end id
    ],
)
def test_a_return_that_names_no_payment_touches_nothing(ledger: Ledger, data: bytes) -> None:
    invoice, _payment = _paid_credit(ledger)
    report = import_statements(ledger.creditor, data, "r.xml")
    assert report.returns[0].returned_line == "" and report.returns[0].reopened == []
    invoice.refresh_from_db()
    assert invoice.open_minor == 0


def test_a_return_with_two_candidates_is_not_guessed(ledger: Ledger) -> None:
    invoice, _payment = _paid_credit(ledger)
    acme = ledger.customer("ACME bis")
    twin = BankLine.objects.get(line_id="E1")
    twin.pk = None
    twin.line_id = "E1-TWIN"
    twin.payment = ledger.payment(acme, "150.00")
    twin.save()
    report = import_statements(
        ledger.creditor, fixtures.camt054_return("150.00", e2e="E2E-F-1"), "r.xml"
    )
    assert report.returns[0].returned_line == ""
    invoice.refresh_from_db()
    assert invoice.open_minor == 0
