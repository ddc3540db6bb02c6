from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from relance.domain.aging import AgingBuckets
from relance.domain.money import Money
from relance.ledger.models import Invoice, InvoiceStatus
from relance.ledger.queries import aging, customer_behaviour, dso
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

EUR = "EUR"


def m(value: str) -> Money:
    return Money.of(value, EUR)


@pytest.fixture
def book(ledger: Ledger) -> Ledger:
    acme = ledger.customer("ACME SAS")
    ledger.invoice(acme, "A-1", "100.00", issued="2025-05-01", due="2025-07-10")  # not due at 30/6
    ledger.invoice(acme, "A-2", "200.00", issued="2025-05-01", due="2025-06-29")  # 1 day
    ledger.invoice(acme, "A-3", "300.00", issued="2025-03-01", due="2025-05-01")  # 60 days
    old = ledger.invoice(acme, "A-4", "400.00", issued="2025-01-01", due="2025-03-31")  # 91 days
    ledger.invoice(
        acme, "A-5", "999.00", issued="2025-01-01", due="2025-01-31", status=InvoiceStatus.CANCELLED
    )
    ledger.payment(acme, "150.00", on="2025-06-15", pays=[old])
    ledger.payment(acme, "250.00", on="2025-07-05", pays=[old])  # after the as-of date
    usd = ledger.customer("Yankee Inc", currency="USD")
    ledger.invoice(usd, "U-1", "50.00", currency="USD", issued="2025-06-01", due="2025-06-01")
    return ledger


def test_aging_buckets_at_a_date(book: Ledger) -> None:
    reports = aging(book.creditor.pk, date(2025, 6, 30))
    eur = reports[EUR]
    assert eur.totals == {
        "not_due": m("100.00"),
        "d1_30": m("200.00"),
        "d31_60": m("300.00"),
        "d61_90": m("0.00"),
        "d90_plus": m("250.00"),  # 400 − 150 paid by 30/6; the 5/7 payment is later
    }
    assert eur.count["d90_plus"] == 1
    assert eur.total == m("850.00") and eur.overdue == m("750.00")
    assert reports["USD"].totals["d1_30"] == Money.of("50.00", "USD")


def test_aging_today_excludes_what_is_paid(book: Ledger) -> None:
    eur = aging(book.creditor.pk, date(2025, 7, 31))[EUR]
    # A-4 is paid in full by then; A-3 (due 1/5) is the only item over 90 days
    assert eur.totals["d90_plus"] == m("300.00") and eur.count["d90_plus"] == 1
    assert eur.total == m("600.00")


def test_aging_before_issue_shows_nothing_yet(book: Ledger) -> None:
    assert aging(book.creditor.pk, date(2024, 12, 31)) == {}


def test_aging_with_custom_buckets_and_customer_filter(book: Ledger) -> None:
    acme = book.creditor.customers.get(legal_name="ACME SAS")
    eur = aging(
        book.creditor.pk,
        date(2025, 6, 30),
        buckets=AgingBuckets.from_bounds([45]),
        customer_ids=[acme.pk],
    )[EUR]
    assert eur.totals == {"not_due": m("100.00"), "d1_45": m("200.00"), "d45_plus": m("550.00")}


def test_aging_for_a_collector(book: Ledger) -> None:
    alice = book.user("alice", role="collector")
    assert aging(book.creditor.pk, date(2025, 6, 30), collector_id=alice.pk) == {}
    book.creditor.customers.filter(legal_name="ACME SAS").update(assigned_collector=alice)
    assert aging(book.creditor.pk, date(2025, 6, 30), collector_id=alice.pk)[EUR].total == m(
        "850.00"
    )


def test_dso_countback_from_the_ledger(ledger: Ledger) -> None:
    acme = ledger.customer()
    ledger.invoice(acme, "M-1", "100000.00", issued="2025-03-10", due="2025-04-30")
    ledger.invoice(acme, "F-1", "80000.00", issued="2025-02-10", due="2025-03-30")
    paid = ledger.invoice(acme, "J-1", "50000.00", issued="2025-01-10", due="2025-02-28")
    ledger.payment(acme, "30000.00", on="2025-03-15", pays=[Invoice.objects.get(number="F-1")])
    ledger.payment(acme, "50000.00", on="2025-03-01", pays=[paid])
    # receivables 150 000: March's 100 000 (31 days) + 50/80 of February (17.5 days)
    result = dso(ledger.creditor.pk, date(2025, 3, 31))
    assert result.days == Decimal("48.5") and not result.capped


def test_customer_behaviour_from_allocations(ledger: Ledger) -> None:
    acme = ledger.customer(customer_since=date(2024, 1, 1))
    on_time = ledger.invoice(acme, "B-1", "100.00", issued="2025-01-01", due="2025-01-31")
    late = ledger.invoice(acme, "B-2", "300.00", issued="2025-02-01", due="2025-03-03")
    ledger.payment(acme, "100.00", on="2025-01-30", pays=[on_time])
    ledger.payment(acme, "100.00", on="2025-03-10", pays=[late])
    ledger.payment(acme, "200.00", on="2025-04-02", pays=[late])  # settled 30 days late
    b = customer_behaviour(acme.pk, date(2025, 6, 30), EUR)
    assert (b.invoices, b.settled, b.settled_late) == (2, 2, 1)
    assert b.average_days_late == Decimal("15.0")
    assert b.share_paid_late == Decimal("0.500")
    assert b.last_payment == date(2025, 4, 2)
    assert b.tenure_days == (date(2025, 6, 30) - date(2024, 1, 1)).days
    # as of before the last payment the late invoice is still open and overdue
    early = customer_behaviour(acme.pk, date(2025, 3, 20), EUR)
    assert early.settled == 1 and early.overdue_minor == 200_00


def test_aging_counts_a_partly_paid_invoice_once(ledger: Ledger) -> None:
    acme = ledger.customer()
    inv = ledger.invoice(acme, "P-1", "400.00", issued="2025-01-01", due="2025-01-31")
    ledger.payment(acme, "100.00", on="2025-02-15", pays=[inv])
    ledger.payment(acme, "100.00", on="2025-04-15", pays=[inv])  # after the as-of date
    eur = aging(ledger.creditor.pk, date(2025, 3, 31))[EUR]
    assert eur.totals["d31_60"] == m("300.00") and eur.count["d31_60"] == 1
    assert sum(eur.count.values()) == 1
    today = aging(ledger.creditor.pk, date(2025, 6, 30))[EUR]
    assert today.totals["d90_plus"] == m("200.00") and today.count["d90_plus"] == 1
