"""The ledger's invariants hold whatever writes to it (services, raw SQL, bulk)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from relance.core.errors import BadInput
from relance.domain.money import Money
from relance.ledger.models import Allocation, Invoice, Payment
from relance.ledger.services import allocate, unallocate
from relance.testing import Ledger

pytestmark = pytest.mark.django_db(transaction=True)


def fresh(invoice: Invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def test_open_balance_follows_allocations(ledger: Ledger) -> None:
    acme = ledger.customer("ACME SAS")
    inv = ledger.invoice(acme, "F-1", "1200.00", issued="2025-01-10", due="2025-02-09")
    assert fresh(inv).open == Money.of("1200.00", "EUR")
    pay = ledger.payment(acme, "500.00", on="2025-02-20", pays=[inv])
    inv = fresh(inv)
    assert inv.open == Money.of("700.00", "EUR") and inv.open_minor == 70000
    assert Payment.objects.get(pk=pay.pk).unallocated.is_zero
    note = ledger.credit_note(acme, "700.00", on="2025-02-25", applies_to=inv)
    assert fresh(inv).is_paid
    unallocate(Allocation.objects.get(credit_note=note))
    assert fresh(inv).open == Money.of("700.00", "EUR")


def test_raw_sql_allocations_also_move_balances(ledger: Ledger) -> None:
    acme = ledger.customer()
    inv = ledger.invoice(acme, "F-2", "100.00")
    pay = ledger.payment(acme, "100.00")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_allocation"
            " (creditor_id, invoice_id, payment_id, amount_minor, date,"
            " created_at, source) VALUES (%s, %s, %s, %s, %s, CURRENT_TIMESTAMP, 'manual')",
            [ledger.creditor.pk, inv.pk, pay.pk, 4000, date(2025, 1, 2)],
        )
    assert fresh(inv).open_minor == 6000
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_allocation SET amount_minor = 2500 WHERE invoice_id = %s", [inv.pk]
        )
    assert fresh(inv).open_minor == 7500
    assert Payment.objects.get(pk=pay.pk).unallocated_minor == 7500
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_allocation WHERE invoice_id = %s", [inv.pk])
    assert fresh(inv).open_minor == 10000


def test_the_database_refuses_over_allocation(ledger: Ledger) -> None:
    acme = ledger.customer()
    inv = ledger.invoice(acme, "F-3", "100.00")
    pay = ledger.payment(acme, "150.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(
            creditor=ledger.creditor,
            invoice=inv,
            payment=pay,
            amount_minor=12000,
            date=date(2025, 1, 1),
        )
    assert fresh(inv).open_minor == 10000  # nothing half-written


@pytest.mark.parametrize(
    ("amount", "reason"),
    [("150.00", "more than invoice"), ("0.00", "nothing to allocate")],
)
def test_allocate_says_why_it_refuses(ledger: Ledger, amount: str, reason: str) -> None:
    acme = ledger.customer()
    inv = ledger.invoice(acme, "F-4", "100.00")
    pay = ledger.payment(acme, "200.00")
    with pytest.raises(BadInput, match=reason):
        allocate(inv, payment=pay, amount=Money.of(amount, "EUR"))


def test_allocate_refuses_another_customer_or_currency(ledger: Ledger) -> None:
    a, b = ledger.customer("A"), ledger.customer("B")
    inv = ledger.invoice(a, "F-5", "100.00")
    with pytest.raises(BadInput, match="another customer"):
        allocate(inv, payment=ledger.payment(b, "100.00"))
    with pytest.raises(BadInput, match="currency"):
        allocate(inv, payment=ledger.payment(a, "100.00", currency="USD"))


def test_partial_allocations_split_a_payment(ledger: Ledger) -> None:
    acme = ledger.customer()
    one = ledger.invoice(acme, "F-6", "60.00")
    two = ledger.invoice(acme, "F-7", "60.00")
    pay = ledger.payment(acme, "100.00", pays=[one, two])
    assert fresh(one).is_paid
    assert fresh(two).open == Money.of("20.00", "EUR")
    assert Payment.objects.get(pk=pay.pk).unallocated.is_zero


@pytest.mark.parametrize(
    "fields",
    [
        {"total_incl_tax_minor": -1},
        {"issue_date": date(2025, 2, 1), "due_date": date(2025, 1, 1)},
    ],
)
def test_invoice_constraints(ledger: Ledger, fields: dict[str, object]) -> None:
    acme = ledger.customer()
    values: dict[str, object] = {
        "creditor": ledger.creditor,
        "customer": acme,
        "number": "X-1",
        "issue_date": date(2025, 1, 1),
        "due_date": date(2025, 1, 31),
        "total_incl_tax_minor": 100,
    }
    values.update(fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(**values)


def test_invoice_number_unique_per_creditor(ledger: Ledger) -> None:
    acme = ledger.customer()
    ledger.invoice(acme, "F-9")
    with pytest.raises(IntegrityError), transaction.atomic():
        ledger.invoice(acme, "F-9")
    other = Ledger.create("Autre SAS", siren="552100554")
    other.invoice(other.customer(), "F-9")  # another creditor may reuse the number
