"""Lists cost the same number of queries for 2 rows as for 20."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relance.api.tests.conftest import Team

LISTS = ["/customers", "/invoices", "/credit-notes", "/payments", "/allocations"]


def _fill(team: Team, n: int) -> None:
    for i in range(n):
        customer = team.led.customer(f"Client {i}")
        invoice = team.led.invoice(customer, amount="100.00")
        team.led.payment(customer, "10.00", pays=[invoice])
        team.led.credit_note(customer, "5.00", applies_to=invoice)


def _count(team: Team, path: str) -> int:
    team.admin.get(path)  # token's last_used_at written once
    with CaptureQueriesContext(connection) as ctx:
        response = team.admin.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", LISTS)
def test_list_queries_do_not_grow_with_rows(team: Team, path: str) -> None:
    _fill(team, 2)
    few = _count(team, path)
    _fill(team, 18)
    assert team.admin.get(path).json()["count"] >= 20
    assert _count(team, path) == few
    assert few <= 6
