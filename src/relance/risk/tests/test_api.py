"""Credit through the API: status, orders refused on hold / over limit / not onboarded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from relance.api.tests.conftest import Team
from relance.customers.models import Customer
from relance.risk.models import Onboarding, Order, RiskSettings
from relance.risk.services import risk_settings


@pytest.fixture
def acme(team: Team) -> Customer:
    risk_settings(team.led.creditor.pk)  # before the customers: they need onboarding
    customer = team.led.customer("ACME SAS", credit_limit_minor=100_000)
    RiskSettings.objects.filter(creditor=team.led.creditor).update(onboarding_required=False)
    return customer


def test_credit_status(team: Team, acme: Customer) -> None:
    today = timezone.localdate()
    team.led.invoice(acme, "F-1", "300.00", issued=today - timedelta(days=10), due=today)
    body = team.admin.get(f"/customers/{acme.pk}/credit").json()
    assert body["limit"] == "1000.00"
    assert body["exposure"] == "300.00"
    assert body["available"] == "700.00"
    assert body["on_hold"] is False
    assert body["hold_reasons"] == []
    assert body["segment"] == "new"
    assert body["deposit_percent"] == 30


def test_order_counts_in_exposure_then_leaves_it(team: Team, acme: Customer) -> None:
    answer = team.admin.post(f"/customers/{acme.pk}/orders", {"reference": "BC-1", "amount": "400"})
    assert answer.status_code == 201, answer.content
    order = answer.json()
    assert (order["amount"], order["deposit_percent"], order["deposit"]) == ("400.00", 30, "120.00")
    assert team.admin.get(f"/customers/{acme.pk}/credit").json()["exposure"] == "400.00"
    # Over the limit: 400 + 700 > 1 000
    refused = team.admin.post(
        f"/customers/{acme.pk}/orders", {"reference": "BC-2", "amount": "700"}
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "credit_refused"
    assert refused.json()["errors"][0]["code"] == "limit_exceeded"
    assert not Order.objects.filter(reference="BC-2").exists()
    assert team.admin.delete(f"/customers/{acme.pk}/orders/{order['id']}").status_code == 204
    assert team.admin.get(f"/customers/{acme.pk}/credit").json()["exposure"] == "0.00"
    assert (
        LogEntry.objects.filter(object_repr__isnull=False, content_type__model="order").count() == 2
    )


def test_order_refused_on_hold(team: Team, acme: Customer) -> None:
    today = timezone.localdate()
    team.led.invoice(
        acme, "F-OLD", "100.00", issued=today - timedelta(days=120), due=today - timedelta(days=61)
    )
    credit = team.admin.get(f"/customers/{acme.pk}/credit").json()
    assert credit["on_hold"] is True
    assert [r["code"] for r in credit["hold_reasons"]] == ["overdue_days"]
    assert "61 days overdue" in credit["hold_reasons"][0]["message"]
    refused = team.admin.post(f"/customers/{acme.pk}/orders", {"reference": "BC-1", "amount": "1"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "overdue_days"
    # Released by hand, with a reason: the order goes through; the override is audited.
    released = team.manager.client.put(
        f"/api/customers/{acme.pk}/credit/override",
        {"hold": False, "reason": "paiement annoncé par le gérant"},
        content_type="application/json",
        headers=team.manager.headers,
    )
    assert released.status_code == 200, released.content
    assert released.json()["on_hold"] is False
    assert released.json()["override"] == "release"
    taken = team.admin.post(f"/customers/{acme.pk}/orders", {"reference": "BC-1", "amount": "1"})
    assert taken.status_code == 201
    assert LogEntry.objects.filter(content_type__model="creditoverride").count() == 1
    back = team.manager.delete(f"/customers/{acme.pk}/credit/override")
    assert back.status_code == 200 and back.json()["on_hold"] is True


def test_override_needs_a_reason_and_a_manager(team: Team, acme: Customer) -> None:
    url = f"/api/customers/{acme.pk}/credit/override"
    empty = team.manager.client.put(
        url,
        {"hold": True, "reason": ""},
        content_type="application/json",
        headers=team.manager.headers,
    )
    assert empty.status_code == 422
    collector = team.alice.client.put(
        url,
        {"hold": True, "reason": "x"},
        content_type="application/json",
        headers=team.alice.headers,
    )
    assert collector.status_code in (403, 404)


def test_order_refused_until_onboarded(team: Team) -> None:
    risk_settings(team.led.creditor.pk)
    newcomer = team.led.customer(
        "Nouveau SAS",
        siren="732829320",
        address_line1="12 rue de la République",
        postal_code="69002",
        city="Lyon",
        websites="https://nouveau.example",
    )
    url = f"/customers/{newcomer.pk}/orders"
    refused = team.admin.post(url, {"reference": "BC-1", "amount": "10"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "onboarding"
    assert "registry" in refused.json()["message"]
    check = team.admin.post(f"/customers/{newcomer.pk}/onboarding/registry-check")
    assert check.status_code == 200, check.content
    assert check.json()["registry_name"] == "BOULANGERIE MARTIN"
    patched = team.admin.patch(
        f"/customers/{newcomer.pk}/onboarding",
        {"questions_asked": True, "terms_sent": True, "risk_note": "garanties bancaires vues"},
    )
    assert patched.json()["done"] is True
    assert team.admin.post(url, {"reference": "BC-1", "amount": "10"}).status_code == 201
    # Customers created before the settings count as onboarded.
    assert Onboarding.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reference": "BC-1", "amount": "-5"}, "amount"),
        ({"reference": "BC-1", "amount": "0"}, "amount"),
        ({"reference": "BC-1", "amount": "douze"}, "amount"),
        ({"reference": "", "amount": "5"}, "reference"),
        ({"amount": "5"}, "reference"),
    ],
)
def test_bad_orders(team: Team, acme: Customer, body: dict[str, str], field: str) -> None:
    answer = team.admin.post(f"/customers/{acme.pk}/orders", body)
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert Order.objects.count() == 0


def test_unknown_customer_and_order(team: Team, acme: Customer) -> None:
    assert team.admin.get("/customers/999999/credit").status_code == 404
    assert (
        team.admin.post("/customers/999999/orders", {"reference": "X", "amount": "1"}).status_code
        == 404
    )
    assert team.admin.delete(f"/customers/{acme.pk}/orders/424242").status_code == 404


def test_duplicate_order_reference(team: Team, acme: Customer) -> None:
    url = f"/customers/{acme.pk}/orders"
    assert team.admin.post(url, {"reference": "BC-1", "amount": "1"}).status_code == 201
    again = team.admin.post(url, {"reference": "BC-1", "amount": "1"})
    assert again.status_code == 409


def test_reader_cannot_post_orders(team: Team, acme: Customer) -> None:
    answer = team.reader.post(f"/customers/{acme.pk}/orders", {"reference": "B", "amount": "1"})
    assert answer.status_code == 403


def test_profile_endpoint(team: Team, acme: Customer) -> None:
    today = timezone.localdate()
    inv = team.led.invoice(
        acme, "F-1", "100.00", issued=today - timedelta(days=40), due=today - timedelta(days=30)
    )
    team.led.payment(acme, "100.00", on=today - timedelta(days=20), pays=[inv])
    body = team.admin.get(f"/customers/{acme.pk}/risk").json()
    assert (body["settled"], body["settled_late"], body["average_days_late"]) == (1, 1, "10.0")
    assert body["promises_kept_ratio"] is None
    assert body["segment_reasons"]
