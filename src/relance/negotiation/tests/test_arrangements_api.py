"""The negotiation API: promises, plans (agreement, SEPA file), settlements, approvals,
margins; bad input and refusals by role."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from relance.accounts.models import Role
from relance.api.tests.conftest import Api, api_for
from relance.customers.models import Customer
from relance.ledger.models import Invoice
from relance.negotiation.models import ApprovalRequest, PaymentPlan, Promise
from relance.testing import Ledger

pytestmark = pytest.mark.django_db


def d(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.fixture
def acme(ledger: Ledger) -> tuple[Customer, Invoice, Invoice]:
    alice = ledger.user("alice", Role.COLLECTOR)
    c = ledger.customer("ACME SAS", assigned_collector=alice)
    ledger.contact(c, "ap@acme.example", is_primary_billing=True)
    today = timezone.localdate()
    return (
        c,
        ledger.invoice(c, "F-1", "1000.00", issued=today, due=today),
        ledger.invoice(c, "F-2", "500.00", issued=today, due=today),
    )


def as_role(ledger: Ledger, name: str, role: str) -> Api:
    from django.contrib.auth import get_user_model

    found = get_user_model().objects.filter(username=name).first()
    return api_for(found or ledger.user(name, role), ledger)


def test_promises_overlap_replace_and_cancel(
    ledger: Ledger, acme: tuple[Customer, Invoice, Invoice]
) -> None:
    c, f1, _f2 = acme
    api = as_role(ledger, "alice", Role.COLLECTOR)
    body = {"customer": c.pk, "amount": "400.00", "promised_on": d(5), "invoices": [f1.pk]}
    made = api.post("/promises", body)
    assert made.status_code == 201, made.content
    first = made.json()
    assert first["amount"] == "400.00" and first["status"] == "pending"
    again = api.post("/promises", body)
    assert again.status_code == 422
    assert "already under pending promise" in again.json()["message"]
    replaced = api.post("/promises", {**body, "replaces": first["id"], "amount": "450"})
    assert replaced.status_code == 201
    assert api.get(f"/promises/{first['id']}").json()["replaced_by"] == replaced.json()["id"]
    cancelled = api.post(f"/promises/{replaced.json()['id']}/cancel", {"reason": "paid"})
    assert cancelled.json()["status"] == "cancelled"
    reader = as_role(ledger, "reader", Role.READ_ONLY)
    assert reader.post("/promises", body).status_code == 403
    bob = as_role(ledger, "bob", Role.COLLECTOR)
    assert bob.get(f"/promises/{first['id']}").status_code == 404
    assert bob.post("/promises", body).status_code == 404


def test_bad_promise_bodies(ledger: Ledger, acme: tuple[Customer, Invoice, Invoice]) -> None:
    c, _f1, _f2 = acme
    api = as_role(ledger, "boss", Role.CREDIT_MANAGER)
    for body, field in (
        ({"customer": c.pk, "amount": "-1", "promised_on": d(5)}, "amount"),
        ({"customer": c.pk, "amount": "10", "promised_on": "5 mars"}, "promised_on"),
        ({"customer": c.pk, "amount": "10", "promised_on": d(5), "channel": "pigeon"}, "channel"),
    ):
        got = api.post("/promises", body)
        assert got.status_code == 422
        assert [e["field"] for e in got.json()["errors"]] == [field]
    past = api.post("/promises", {"customer": c.pk, "amount": "10", "promised_on": d(-3)})
    assert past.status_code == 422 and "promised_on" in past.json()["message"]
    assert not Promise.objects.exists()


def test_plan_lifecycle_agreement_and_sepa(
    ledger: Ledger, acme: tuple[Customer, Invoice, Invoice]
) -> None:
    ledger.creditor.iban = "FR7630001007941234567890185"
    ledger.creditor.sepa_creditor_id = "FR72ZZZ123456"
    ledger.creditor.save()
    c, f1, f2 = acme
    api = as_role(ledger, "boss", Role.CREDIT_MANAGER)
    split = api.post(
        "/payment-plans/equal-instalments",
        {"total": "1500.00", "count": 2, "first_on": d(10)},
    ).json()
    rows = [{"due_on": r["due_on"], "amount": r["amount"]} for r in split["instalments"]]
    assert [r["amount"] for r in rows] == ["750.00", "750.00"]
    body = {
        "customer": c.pk,
        "invoices": [f1.pk, f2.pk],
        "instalments": rows,
        "penalties_waived": True,
        "sepa_iban": "DE89370400440532013000",
        "sepa_mandate_ref": "M-42",
        "sepa_mandate_date": d(0),
    }
    bad_sum = api.post("/payment-plans", {**body, "instalments": rows[:1]})
    assert bad_sum.status_code == 422 and "add up to" in bad_sum.json()["message"]
    bad_order = api.post("/payment-plans", {**body, "instalments": rows[::-1]})
    assert bad_order.status_code == 422 and "increase strictly" in bad_order.json()["message"]
    bad_iban = api.post("/payment-plans", {**body, "sepa_iban": "DE00370400440532013000"})
    assert bad_iban.status_code == 422 and "sepa_iban" in bad_iban.json()["message"]
    made = api.post("/payment-plans", body)
    assert made.status_code == 201, made.content
    plan = made.json()
    assert plan["status"] == "active" and plan["total"] == "1500.00"
    pdf = api.get(f"/payment-plans/{plan['id']}/agreement")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    sent = api.post(f"/payment-plans/{plan['id']}/send-agreement")
    assert sent.status_code == 200 and sent.json()["status"] == "planned"
    xml = api.get("/payment-plans/sepa", **{"from": d(0), "to": d(20)})
    assert xml.status_code == 200 and b"M-42" in xml.content
    nothing = api.get("/payment-plans/sepa", **{"from": d(100), "to": d(120)})
    assert nothing.status_code == 422
    alice = as_role(ledger, "alice", Role.COLLECTOR)
    assert alice.get("/payment-plans/sepa", **{"from": d(0), "to": d(20)}).status_code == 403
    cancel = api.post(f"/payment-plans/{plan['id']}/cancel", {"reason": "settled otherwise"})
    assert cancel.json()["status"] == "cancelled"


def test_settlement_beyond_margin_approval_and_margins(
    ledger: Ledger, acme: tuple[Customer, Invoice, Invoice]
) -> None:
    c, f1, f2 = acme
    alice = as_role(ledger, "alice", Role.COLLECTOR)
    body = {
        "customer": c.pk,
        "invoices": [f1.pk, f2.pk],
        "discount_percent": "10",
        "valid_until": d(20),
    }
    made = alice.post("/settlements", body)
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "needs_approval" and made.json()["discount"] == "150.00"
    both = alice.post("/settlements", {**body, "discount": "10.00"})
    assert both.status_code == 422
    (request,) = alice.get("/approvals").json()
    assert request["why"] == "a discount of 10.00 %, the margin is 5 %"
    assert alice.post(f"/approvals/{request['id']}/decision", {"approve": True}).status_code == 403
    boss = as_role(ledger, "boss", Role.CREDIT_MANAGER)
    refused = boss.post(f"/approvals/{request['id']}/decision", {"approve": False})
    assert refused.status_code == 422 and "note" in refused.json()["message"]
    ok = boss.post(f"/approvals/{request['id']}/decision", {"approve": True})
    assert ok.json()["status"] == "approved"
    s = boss.get(f"/settlements/{made.json()['id']}").json()
    assert s["status"] == "offered"
    accepted = boss.post(f"/settlements/{s['id']}/decision", {"decision": "accepted"})
    assert accepted.json()["status"] == "accepted"
    assert boss.get("/settlements/write-offs").status_code == 200
    assert alice.get("/settlements/write-offs").status_code == 403
    # margins: read by all, set by administrators only
    assert [m["role"] for m in alice.get("/negotiation-margins").json()] == [
        "collector",
        "credit_manager",
        "admin",
    ]
    margin = {
        "max_extension_days": 60,
        "max_instalments": 6,
        "max_plan_days": 180,
        "max_discount_percent": "12.5",
    }
    assert (
        boss.client.put(
            "/api/negotiation-margins/collector",
            margin,
            content_type="application/json",
            headers=boss.headers,
        ).status_code
        == 403
    )
    admin = as_role(ledger, "admin", Role.ADMIN)
    put = admin.client.put(
        "/api/negotiation-margins/collector",
        margin,
        content_type="application/json",
        headers=admin.headers,
    )
    assert put.status_code == 200 and put.json()["max_discount_percent"] == "12.50"
    bad = admin.client.put(
        "/api/negotiation-margins/collector",
        {**margin, "max_discount_percent": "120"},
        content_type="application/json",
        headers=admin.headers,
    )
    assert bad.status_code == 422
    assert ApprovalRequest.objects.count() == 1 and not PaymentPlan.objects.exists()
    assert date.fromisoformat(s["valid_until"]) > timezone.localdate()
