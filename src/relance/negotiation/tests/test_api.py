"""The disputes, calls and notes API: each operation, the roles, and the refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from relance.api.tests import conftest as api
from relance.api.tests.conftest import Team
from relance.dunning.models import Action, Pause
from relance.negotiation.models import CallLog, Dispute, Note, Promise

pytestmark = pytest.mark.django_db

#: the API tests' fixture: a ledger with users of every role and their tokens
team = api.team


@pytest.fixture
def acme(team: Team) -> Any:
    led = team.led
    customer = led.customer("ACME", assigned_collector=team.users["alice"])
    led.contact(customer, "compta@acme.example", last_name="Martin", phone="0472000000")
    led.invoice(customer, "F-1", "1200.00", issued="2025-03-01", due="2025-03-31")
    led.invoice(customer, "F-2", "300.00", issued="2025-03-01", due="2025-03-31")
    return customer


def invoice(customer: Any, number: str) -> int:
    return int(customer.invoices.get(number=number).pk)


def today() -> str:
    return timezone.localdate().isoformat()


def test_open_get_list_change_note_and_resolve(team: Team, acme: Any) -> None:
    r = team.alice.post(
        "/disputes",
        {
            "customer": acme.pk,
            "reason": "quantity",
            "items": [{"invoice": invoice(acme, "F-1"), "amount": "200,00"}],
            "description": "2 palettes manquantes",
            "owner": team.users["alice"].pk,
        },
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["status"] == "open" and body["disputed"] == "200.00"
    assert body["items"] == [
        {
            "invoice": invoice(acme, "F-1"),
            "number": "F-1",
            "amount": "200.00",
            "open": "1200.00",
            "held_back": True,
        }
    ]
    assert body["source"] == "api" and body["owner"] == team.users["alice"].pk
    pk = body["id"]
    assert Pause.objects.get().amount_minor == 20000
    assert team.reader.get(f"/disputes/{pk}").json()["id"] == pk
    listed = team.admin.get("/disputes", customer=acme.pk).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == pk
    assert team.admin.get("/disputes", status="resolved").json()["count"] == 0
    r = team.alice.patch(f"/disputes/{pk}", {"status": "in_progress", "owner": None})
    assert r.status_code == 200 and (r.json()["status"], r.json()["owner"]) == ("in_progress", None)
    r = team.alice.post(f"/disputes/{pk}/notes", {"text": "Relancé le commercial."})
    assert r.status_code == 201 and r.json()["dispute"] == pk
    r = team.alice.post(f"/disputes/{pk}/resolve", {"resolution": "rejected", "note": "Livré"})
    assert r.status_code == 200, r.json()
    assert (r.json()["status"], r.json()["resolution"]) == ("resolved", "rejected")
    assert r.json()["items"][0]["held_back"] is False
    assert team.admin.get("/disputes", status="resolved").json()["count"] == 1


def test_resolve_with_a_credit_note(team: Team, acme: Any) -> None:
    pk = invoice(acme, "F-1")
    dispute = team.admin.post(
        "/disputes", {"customer": acme.pk, "reason": "price", "items": [{"invoice": pk}]}
    ).json()
    r = team.admin.post(f"/disputes/{dispute['id']}/resolve", {"resolution": "credit_note"})
    assert r.status_code == 422 and "needs the credit note issued" in r.json()["message"]
    note = team.led.credit_note(acme, "100.00", applies_to=acme.invoices.get(pk=pk))
    r = team.admin.post(
        f"/disputes/{dispute['id']}/resolve",
        {"resolution": "credit_note", "credit_note": note.pk},
    )
    assert r.status_code == 200 and r.json()["credit_note"] == note.pk
    r = team.admin.post(f"/disputes/{dispute['id']}/resolve", {"resolution": "withdrawn"})
    assert r.status_code == 422 and "already resolved" in r.json()["message"]


def test_roles_and_scope(team: Team, acme: Any) -> None:
    body = {"customer": acme.pk, "reason": "price", "items": [{"invoice": invoice(acme, "F-1")}]}
    assert team.reader.post("/disputes", body).status_code == 403
    assert team.bob.post("/disputes", body).status_code == 404  # not bob's customer
    pk = team.alice.post("/disputes", body).json()["id"]
    assert team.bob.get(f"/disputes/{pk}").status_code == 404
    assert team.bob.get("/disputes").json()["count"] == 0
    assert team.reader.patch(f"/disputes/{pk}", {"status": "in_progress"}).status_code == 403
    assert (
        team.reader.post(f"/disputes/{pk}/resolve", {"resolution": "rejected"}).status_code == 403
    )
    assert team.reader.post(f"/disputes/{pk}/notes", {"text": "x"}).status_code == 403
    assert team.bob.post(f"/disputes/{pk}/notes", {"text": "x"}).status_code == 404
    assert (
        team.reader.post(f"/customers/{acme.pk}/calls", {"outcome": "reached"}).status_code == 403
    )
    assert team.bob.post(f"/customers/{acme.pk}/calls", {"outcome": "reached"}).status_code == 404
    assert team.bob.get(f"/customers/{acme.pk}/calls").status_code == 404
    assert team.bob.get(f"/customers/{acme.pk}/notes").status_code == 404
    assert not CallLog.objects.exists() and Note.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"items": []}, "items", ""),
        ({"items": [{"invoice": "F-1"}]}, "items.0.invoice", ""),
        ({"items": [{"invoice": "INV", "amount": "abc"}]}, "items.0.amount", ""),
        ({"items": [{"invoice": "INV", "amount": "0"}]}, "items.0.amount", ""),
        ({"items": [{"invoice": "INV", "amount": "-5"}]}, "items.0.amount", ""),
        ({"items": [{"invoice": "INV", "amount": "5000"}]}, None, "more than its open amount"),
        ({"items": [{"invoice": 999999}]}, None, "not invoices of this customer"),
        ({"reason": "mood"}, "reason", ""),
        ({"due_on": "2000-01-01"}, None, "due_on"),
        ({"owner": "READER"}, "owner", ""),
        ({"opened_on": "01/04/2025"}, "opened_on", ""),
    ],
)
def test_bad_disputes_are_refused(
    team: Team, acme: Any, body: dict[str, Any], field: str | None, message: str
) -> None:
    payload: dict[str, Any] = {
        "customer": acme.pk,
        "reason": "price",
        "items": [{"invoice": invoice(acme, "F-1")}],
    }
    payload.update(body)
    for item in payload["items"]:
        if item.get("invoice") == "INV":
            item["invoice"] = invoice(acme, "F-1")
    if payload.get("owner") == "READER":
        payload["owner"] = team.users["reader"].pk
    r = team.admin.post("/disputes", payload)
    assert r.status_code == 422, r.json()
    if field is not None:
        assert field in [e["field"] for e in r.json()["errors"]], r.json()
    assert message in r.json()["message"]
    assert not Dispute.objects.exists() and not Pause.objects.exists()


def test_unknown_dispute_and_bad_changes(team: Team, acme: Any) -> None:
    assert team.admin.get("/disputes/999999").status_code == 404
    pk = team.admin.post(
        "/disputes",
        {"customer": acme.pk, "reason": "price", "items": [{"invoice": invoice(acme, "F-1")}]},
    ).json()["id"]
    r = team.admin.patch(f"/disputes/{pk}", {"status": "resolved"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    r = team.admin.patch(f"/disputes/{pk}", {})
    assert r.status_code == 422 and r.json()["message"] == "nothing to change"
    r = team.admin.post(
        f"/disputes/{pk}/resolve", {"resolution": "credit_note", "credit_note": 999}
    )
    assert r.status_code == 404
    r = team.admin.post(f"/disputes/{pk}/notes", {"text": "   "})
    assert r.status_code == 422 and "cannot be empty" in r.json()["message"]


def test_log_calls_with_their_outcomes(team: Team, acme: Any) -> None:
    contact = acme.contacts.get()
    at = timezone.now().replace(microsecond=0)
    r = team.alice.post(
        f"/customers/{acme.pk}/calls",
        {"outcome": "no_answer", "contact": contact.pk, "at": at.isoformat(), "note": "Messagerie"},
    )
    assert r.status_code == 201, r.json()
    assert (r.json()["number"], r.json()["on"]) == (
        "0472000000",
        timezone.localdate(at).isoformat(),
    )
    r = team.alice.post(f"/customers/{acme.pk}/calls", {"outcome": "reached", "at": at.isoformat()})
    assert r.status_code == 422 and "at most one call a day" in r.json()["message"]
    # inbound: the customer calls back and promises
    promised = (timezone.localdate() + timedelta(days=7)).isoformat()
    r = team.alice.post(
        f"/customers/{acme.pk}/calls",
        {
            "outcome": "promise",
            "direction": "inbound",
            "promise": {"amount": "300.00", "promised_on": promised},
        },
    )
    assert r.status_code == 201, r.json()
    assert Promise.objects.get().pk == r.json()["promise"]
    r = team.alice.post(
        f"/customers/{acme.pk}/calls",
        {
            "outcome": "dispute",
            "kind": "meeting",
            "dispute": {"reason": "quality", "items": [{"invoice": invoice(acme, "F-2")}]},
        },
    )
    assert r.status_code == 201 and Dispute.objects.get().source == "meeting"
    r = team.alice.post(
        f"/customers/{acme.pk}/calls",
        {
            "outcome": "copy_requested",
            "direction": "inbound",
            "contact": contact.pk,
            "invoices": [invoice(acme, "F-1")],
        },
    )
    assert r.status_code == 201 and Action.objects.get(kind="invoice").contact == contact
    listed = team.reader.get(f"/customers/{acme.pk}/calls").json()
    assert listed["count"] == 4
    assert [c["outcome"] for c in listed["items"]][-1] == "no_answer"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"outcome": "shouted"}, 422, ""),
        ({"outcome": "wrong_number"}, 422, "wrong number needs the contact"),
        ({"outcome": "call_back"}, 422, "call_back_on"),
        ({"outcome": "promise"}, 422, "needs the amount and date promised"),
        ({"outcome": "promise", "promise": {"amount": "x", "promised_on": "2099-01-01"}}, 422, ""),
        ({"outcome": "dispute"}, 422, "needs the reason and invoices"),
        ({"outcome": "copy_requested"}, 422, "needs the invoices"),
        ({"outcome": "reached", "contact": 999999}, 422, ""),
        ({"outcome": "reached", "action": 999999}, 422, ""),
        ({"outcome": "reached", "at": "2025-04-01T10:00:00"}, 422, "time zone"),
        ({"outcome": "reached", "kind": "telepathy"}, 422, ""),
    ],
)
def test_bad_calls_are_refused(
    team: Team, acme: Any, body: dict[str, Any], status: int, message: str
) -> None:
    r = team.alice.post(f"/customers/{acme.pk}/calls", body)
    assert r.status_code == status, r.json()
    assert message in r.json()["message"]
    assert not CallLog.objects.exists() and not Promise.objects.exists()


def test_wrong_number_on_a_contact_without_a_number(team: Team, acme: Any) -> None:
    numberless = team.led.contact(acme, "ap@acme.example", last_name="Roux")
    r = team.alice.post(
        f"/customers/{acme.pk}/calls", {"outcome": "wrong_number", "contact": numberless.pk}
    )
    assert r.status_code == 422 and "has no phone number to flag" in r.json()["message"]
    contact = acme.contacts.get(phone="0472000000")
    r = team.alice.post(
        f"/customers/{acme.pk}/calls", {"outcome": "wrong_number", "contact": contact.pk}
    )
    assert r.status_code == 201
    shown = team.alice.get(f"/contacts/{contact.pk}").json()
    assert shown["phone_wrong_since"] is not None and "0472000000" in shown["phone_wrong_reason"]
    # a corrected number may be called again
    r = team.alice.patch(f"/contacts/{contact.pk}", {"phone": "0472999999"})
    assert r.status_code == 200 and r.json()["phone_wrong_since"] is None


def test_a_call_for_another_creditors_customer(team: Team, acme: Any) -> None:
    from relance.testing import Ledger

    other = Ledger.create("Autre créancier")
    theirs = other.customer("Client d'un autre")
    r = team.admin.post(f"/customers/{theirs.pk}/calls", {"outcome": "reached"})
    assert r.status_code == 404
    assert not CallLog.objects.exists()


def test_notes_of_a_customer(team: Team, acme: Any) -> None:
    r = team.alice.post(f"/customers/{acme.pk}/notes", {"text": "Préfère être appelé le matin."})
    assert r.status_code == 201 and r.json()["author"] == team.users["alice"].pk
    dispute = team.alice.post(
        "/disputes",
        {"customer": acme.pk, "reason": "price", "items": [{"invoice": invoice(acme, "F-1")}]},
    ).json()
    r = team.alice.post(
        f"/customers/{acme.pk}/notes", {"text": "Voir le devis.", "dispute": dispute["id"]}
    )
    assert r.status_code == 201
    listed = team.reader.get(f"/customers/{acme.pk}/notes").json()
    assert [n["text"] for n in listed["items"]] == [
        "Voir le devis.",
        "Préfère être appelé le matin.",
    ]
    only = team.reader.get(f"/customers/{acme.pk}/notes", dispute=dispute["id"]).json()
    assert only["count"] == 1
    other = team.led.customer("Autre")
    r = team.admin.post(f"/customers/{other.pk}/notes", {"text": "x", "dispute": dispute["id"]})
    assert r.status_code == 404
    assert team.alice.post(f"/customers/{acme.pk}/notes", {"text": ""}).status_code == 422
    assert team.reader.post(f"/customers/{acme.pk}/notes", {"text": "x"}).status_code == 403


def test_openapi_documents_the_operations(team: Team) -> None:
    from django.test import Client

    paths = Client().get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/disputes",
        "/api/disputes/{pk}",
        "/api/disputes/{pk}/notes",
        "/api/disputes/{pk}/resolve",
        "/api/customers/{customer_id}/calls",
        "/api/customers/{customer_id}/notes",
    ):
        assert path in paths
