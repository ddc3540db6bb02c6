"""GET /api/aging gives the same numbers as relance.ledger.queries.aging."""

from __future__ import annotations

from datetime import date
from typing import Any

from relance.api.tests.conftest import Team
from relance.customers.models import Customer
from relance.domain.aging import AgingReport
from relance.ledger.queries import aging


def _portfolio(team: Team) -> tuple[Customer, Customer]:
    led = team.led
    alice_c = led.customer("Alice client", assigned_collector=team.users["alice"])
    bob_c = led.customer("Bob client", assigned_collector=team.users["bob"])
    led.invoice(alice_c, "A-1", "100.00", issued="2025-03-01", due="2025-03-31")
    led.invoice(alice_c, "A-2", "250.50", issued="2025-01-01", due="2025-02-20")
    paid = led.invoice(bob_c, "B-1", "400.00", issued="2024-11-01", due="2024-12-01")
    led.invoice(bob_c, "B-2", "1000.00", issued="2024-10-01", due="2024-10-31")
    led.invoice(bob_c, "B-3", "90.00", issued="2025-01-01", due="2025-01-31", currency="USD")
    led.payment(bob_c, "150.00", on="2025-03-10", pays=[paid])
    return alice_c, bob_c


def _as_dict(report_body: dict[str, Any]) -> dict[str, dict[str, tuple[str, int]]]:
    return {
        c["currency"]: {b["key"]: (b["amount"], b["count"]) for b in c["buckets"]}
        for c in report_body["currencies"]
    }


def _expected(reports: dict[str, AgingReport]) -> dict[str, dict[str, tuple[str, int]]]:
    return {
        cur: {key: (str(m.amount), r.count[key]) for key, m in r.totals.items()}
        for cur, r in reports.items()
    }


def test_aging_matches_the_query(team: Team) -> None:
    _portfolio(team)
    response = team.reader.get("/aging", as_of="2025-03-15")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["as_of"] == "2025-03-15"
    assert [b["key"] for b in body["buckets"]] == [
        "not_due",
        "d1_30",
        "d31_60",
        "d61_90",
        "d90_plus",
    ]
    assert body["buckets"][1]["label"] == "1–30 days"
    expected = aging(team.led.creditor.pk, date(2025, 3, 15))
    assert _as_dict(body) == _expected(expected)
    eur = next(c for c in body["currencies"] if c["currency"] == "EUR")
    assert eur["total"] == "1600.50"  # 100 + 250.50 + 250 left on B-1 + 1000
    assert eur["overdue"] == "1500.50"
    assert {c["currency"] for c in body["currencies"]} == {"EUR", "USD"}


def test_collector_aging_is_restricted(team: Team) -> None:
    _alice_c, bob_c = _portfolio(team)
    body = team.alice.get("/aging", as_of="2025-03-15").json()
    expected = aging(team.led.creditor.pk, date(2025, 3, 15), collector_id=team.users["alice"].pk)
    assert _as_dict(body) == _expected(expected)
    eur = body["currencies"][0]
    assert eur["total"] == "350.50" and [c["currency"] for c in body["currencies"]] == ["EUR"]
    assert team.alice.get("/aging", customer=bob_c.pk).status_code == 404


def test_aging_of_one_customer_and_past_date(team: Team) -> None:
    _alice_c, bob_c = _portfolio(team)
    body = team.admin.get("/aging", as_of="2025-03-01", customer=bob_c.pk).json()
    expected = aging(team.led.creditor.pk, date(2025, 3, 1), customer_ids=[bob_c.pk])
    assert _as_dict(body) == _expected(expected)
    eur = next(c for c in body["currencies"] if c["currency"] == "EUR")
    assert eur["total"] == "1400.00"  # the 10 March payment had not arrived yet


def test_bad_as_of_is_422(team: Team) -> None:
    response = team.admin.get("/aging", as_of="2025-02-30")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "as_of"
