"""What the matching step reads: unmatched credit lines as domain records, returned payments."""

from __future__ import annotations

from relance.banking.models import BankLine
from relance.banking.queries import lines_to_match, returned_payment_ids
from relance.banking.readers.camt import CamtReader
from relance.banking.services import import_statements, record_payment
from relance.banking.tests import fixtures
from relance.testing import Ledger


def test_lines_to_match_are_the_unmatched_credits_as_read(ledger: Ledger) -> None:
    import_statements(ledger.creditor, fixtures.camt053(), "feb.xml")
    read = {ln.line_id: ln for ln in CamtReader().read(fixtures.camt053(), "f")[0].lines}
    stored = lines_to_match(ledger.creditor)
    assert [s.line.line_id for s in stored] == ["E1", "E2-A", "E2-B"]  # not the return
    for item in stored:
        assert item.account_iban == "FR7630006000011234567890189"
        assert item.line == read[item.line.line_id]  # the same record, field for field
    acme = ledger.customer("ACME SAS")
    record_payment(BankLine.objects.get(line_id="E1"), ledger.payment(acme, "150.00"))
    assert [s.line.line_id for s in lines_to_match(ledger.creditor)] == ["E2-A", "E2-B"]
    assert lines_to_match(Ledger.create("Autre SAS", siren="552100554").creditor) == []


def test_returned_payments(ledger: Ledger) -> None:
    acme = ledger.customer("ACME SAS")
    import_statements(ledger.creditor, fixtures.camt053(), "feb.xml")
    payment = ledger.payment(acme, "150.00")
    record_payment(BankLine.objects.get(line_id="E1"), payment)
    assert returned_payment_ids(ledger.creditor) == set()
    import_statements(ledger.creditor, fixtures.camt054_return("150.00", e2e="E2E-F-1"), "r.xml")
    assert returned_payment_ids(ledger.creditor) == {payment.pk}
