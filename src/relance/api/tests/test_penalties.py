"""GET /api/penalty and GET /api/invoices/{id}/penalties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from relance.api.tests.conftest import Team, api_for
from relance.creditors.models import PenaltyClause
from relance.customers.models import CustomerKind
from relance.testing import Ledger


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.content
    return response.json()


def _refused(response: Any) -> tuple[str, dict[str | None, str]]:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["message"]
    return body["message"], {e["field"]: e["code"] for e in body["errors"]}


def test_free_computation(team: Team) -> None:
    body = _ok(
        team.reader.get("/penalty", principal="10000.00", due="2025-03-31", paid="2025-05-15")
    )
    assert (body["interest"], body["indemnity"], body["total"]) == ("162.12", "40.00", "202.12")
    assert body["segments"][0]["days"] == 45 and body["segments"][0]["rate"] == "13.15"
    assert "not legal advice" in body["notice"]
    no_split = _ok(
        team.reader.get(
            "/penalty", principal="5000", due="2025-06-15", paid="2025-08-14", split="false"
        )
    )
    assert no_split["interest"] == "108.08"
    leap = _ok(
        team.reader.get(
            "/penalty", principal="2500", due="2024-01-15", paid="2024-03-15", divisor_366="true"
        )
    )
    assert leap["interest"] == "59.43"
    de = _ok(
        team.reader.get(
            "/penalty", principal="10000", due="2025-06-20", paid="2025-07-20", jurisdiction="DE"
        )
    )
    assert de["total"] == "127.15"
    partial = _ok(
        team.reader.client.get(
            "/api/penalty",
            {
                "principal": "10000",
                "due": "2025-03-31",
                "paid": "2025-05-15",
                "payment": ["2025-04-15:4000"],
            },
            headers=team.reader.headers,
        )
    )
    assert partial["interest"] == "118.89"
    assert [s["base"] for s in partial["segments"]] == ["10000.00", "6000.00"]


def test_free_computation_bad_input(team: Team) -> None:
    base = {"principal": "10000", "due": "2025-03-31", "paid": "2025-05-15"}
    _, fields = _refused(team.reader.get("/penalty", **{**base, "principal": "abc"}))
    assert "principal" in fields
    _, fields = _refused(team.reader.get("/penalty", **{**base, "principal": "0"}))
    assert "principal" in fields
    _, fields = _refused(team.reader.get("/penalty", **{**base, "principal": "9" * 40}))
    assert "principal" in fields
    _, fields = _refused(team.reader.get("/penalty", **{**base, "due": "31/03/2025"}))
    assert "due" in fields
    _, fields = _refused(team.reader.get("/penalty", **{**base, "payment": "15/04/2025:10"}))
    assert "payment" in fields
    _, fields = _refused(team.reader.get("/penalty", **{**base, "payment": "2025-04-15:abc"}))
    assert "payment" in fields
    message, _fields = _refused(
        team.reader.get("/penalty", **{**base, "payment": "2025-04-15:20000"})
    )
    assert "exceed" in message
    _, fields = _refused(team.reader.get("/penalty", **{**base, "contract_rate": "x"}))
    assert "contract_rate" in fields
    _, fields = _refused(team.reader.get("/penalty", **{**base, "currency": "XX"}))
    assert "currency" in fields
    message, fields = _refused(
        team.reader.get("/penalty", **{**base, "due": "2026-06-30", "paid": "2026-07-15"})
    )
    assert fields == {None: "rate_not_covered"} and "fr-ecb" in message
    message, fields = _refused(
        team.reader.get("/penalty", **{**base, "jurisdiction": "UK", "b2c": "true"})
    )
    assert fields == {None: "refused"} and "businesses only" in message
    assert team.reader.client.get("/api/penalty", base).status_code == 401


def test_invoice_penalties_from_the_ledger(team: Team) -> None:
    led = team.led
    acme = led.customer("ACME")
    invoice = led.invoice(acme, "F-1", "10000.00", issued="2025-03-01", due="2025-03-31")
    led.payment(acme, "4000.00", on="2025-04-15", pays=[invoice])
    # Open on 15 May: 4000 paid 15 April, 6000 still owed → 118.89 (see the domain tests).
    open_body = _ok(team.reader.get(f"/invoices/{invoice.pk}/penalties", as_of="2025-05-15"))
    assert open_body["penalty"]["interest"] == "118.89"
    assert open_body["penalty"]["until"] == "2025-05-15"
    led.payment(acme, "6000.00", on="2025-05-15", pays=[invoice])
    # Paid on 15 May: the interest stops there whatever the as-of date.
    body = _ok(team.reader.get(f"/invoices/{invoice.pk}/penalties", as_of="2025-09-30"))
    assert (body["penalty"]["interest"], body["penalty"]["total"]) == ("118.89", "158.89")
    assert body["number"] == "F-1" and body["as_of"] == "2025-09-30"
    assert body["limitation"] == {
        "years": 5,
        "runs_from": "2025-03-31",
        "last_day": "2030-03-31",
        "reason": "due",
        "status": "ok",
        "days_left": (date(2030, 3, 31) - date(2025, 9, 30)).days,
    }


def test_invoice_penalties_creditor_clause_and_customer_kind(db: None) -> None:
    led = Ledger.create(penalty_clause=PenaltyClause.CONTRACTUAL, contractual_rate=Decimal("9"))
    client = api_for(led.user("boss"), led)
    pro = led.customer("Pro")
    invoice = led.invoice(pro, "F-1", "10000.00", issued="2025-03-01", due="2025-03-31")
    body = _ok(client.get(f"/invoices/{invoice.pk}/penalties", as_of="2025-05-15"))
    assert body["penalty"]["interest"] == "110.96" and body["penalty"]["basis"] == "contractual"
    assert [f["code"] for f in body["penalty"]["findings"]] == ["contract_rate_below_floor"]
    person = led.customer("Jeanne", kind=CustomerKind.B2C)
    mine = led.invoice(person, "F-2", "500.00", issued="2023-01-01", due="2023-01-31")
    body = _ok(client.get(f"/invoices/{mine.pk}/penalties", as_of="2025-01-15"))
    # A contractual clause runs from the due date for a consumer too; no indemnity.
    assert body["penalty"]["indemnity"] == "0.00"
    assert body["limitation"]["last_day"] == "2025-01-31"
    assert body["limitation"]["status"] == "ahead"


def test_invoice_penalties_consumer_without_notice_and_germany(db: None) -> None:
    led = Ledger.create(country="DE")
    client = api_for(led.user("chef"), led)
    kunde = led.customer("Kunde")
    invoice = led.invoice(kunde, "R-1", "10000.00", issued="2025-06-01", due="2025-06-20")
    body = _ok(client.get(f"/invoices/{invoice.pk}/penalties", as_of="2025-07-20"))
    assert body["penalty"]["total"] == "127.15"
    fr = Ledger.create("Autre SARL", siren="552100554")
    other = api_for(fr.user("x"), fr)
    person = fr.customer("Paul", kind=CustomerKind.B2C)
    late = fr.invoice(person, "F-9", "800.00", issued="2025-01-01", due="2025-01-31")
    body = _ok(other.get(f"/invoices/{late.pk}/penalties", as_of="2025-06-30"))
    assert body["penalty"]["total"] == "0.00"
    assert [f["code"] for f in body["penalty"]["findings"]] == ["no_formal_notice"]


def test_invoice_penalties_errors(team: Team) -> None:
    led = team.led
    theirs = led.customer("B", assigned_collector=team.users["bob"])
    hidden = led.invoice(theirs, "B-1", "100.00", issued="2025-01-01", due="2025-01-31")
    assert team.alice.get(f"/invoices/{hidden.pk}/penalties").status_code == 404
    assert team.admin.get("/invoices/999999/penalties").status_code == 404
    future = led.invoice(theirs, "B-2", "100.00", issued="2026-06-01", due="2026-06-30")
    message, fields = _refused(
        team.admin.get(f"/invoices/{future.pk}/penalties", as_of="2026-07-15")
    )
    assert fields == {None: "rate_not_covered"} and "2026-07-01" in message
    _, fields = _refused(team.admin.get(f"/invoices/{future.pk}/penalties", as_of="15/07/2026"))
    assert "as_of" in fields
