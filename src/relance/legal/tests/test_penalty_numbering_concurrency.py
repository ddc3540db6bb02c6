"""Two penalty invoices issued at the same time get two different, consecutive numbers."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections

from relance.legal.models import PenaltyInvoice
from relance.legal.penalty_invoices import issue_penalty_invoice
from relance.testing import Ledger


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_do_not_share_a_number() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (RELANCE_TEST_DATABASE_URL)")
    ledger = Ledger.create()
    customers = [ledger.customer(f"Client {n}") for n in range(4)]
    for c in customers:
        ledger.invoice(c, None, "1000.00", issued="2025-03-01", due="2025-03-31")
    errors: list[BaseException] = []
    start = threading.Barrier(len(customers))

    def issue(customer: object) -> None:
        try:
            start.wait()
            issue_penalty_invoice(customer, date(2025, 5, 15))  # type: ignore[arg-type]
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(c,)) for c in customers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(PenaltyInvoice.objects.values_list("number", flat=True))
    assert numbers == [f"PEN-2025-{n:04d}" for n in range(1, 5)]
