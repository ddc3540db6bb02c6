"""POST /customers/{id}/statement, GET /customers/{id}/evidence, POST /actions/{id}/edit,
GET /actions/{id}/preview."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from relance.api.tests.conftest import Team
from relance.channels.models import CapturedMessage, Correspondence
from relance.customers.models import Customer
from relance.dunning.models import Action, ActionStatus
from relance.dunning.outbox import dispatch
from relance.dunning.services import plan_run

pytestmark = pytest.mark.django_db


def acme(team: Team) -> Customer:
    led = team.led
    c = led.customer(
        "ACME",
        assigned_collector=team.users["alice"],
        address_line1="3 rue Neuve",
        postal_code="69001",
        city="Lyon",
    )
    led.contact(c, "compta@acme.example", first_name="Jeanne", is_primary_billing=True)
    led.contact(c, "dg@acme.example", first_name="Paul")
    inv = led.invoice(c, "F-1", "500.00", issued="2025-03-01", due="2025-03-31")
    led.payment(c, "100.00", on=timezone.localdate(), pays=[inv], reference="VIR")
    return c


def test_statement_shown_then_sent(team: Team) -> None:
    c = acme(team)
    shown = team.reader.post(f"/customers/{c.pk}/statement", {})
    assert shown.status_code == 200, shown.content
    body = shown.json()
    assert [(i["number"], i["open"]) for i in body["items"]] == [("F-1", "400.00")]
    assert body["payments"][0]["amount"] == "100.00" and body["balance"] == "400.00"
    assert body["action"] is None and not Action.objects.exists()
    assert team.reader.post(f"/customers/{c.pk}/statement", {"send": True}).status_code == 403
    assert team.bob.post(f"/customers/{c.pk}/statement", {"send": True}).status_code == 404
    sent = team.alice.post(f"/customers/{c.pk}/statement", {"send": True}).json()
    assert sent["created"] is True and Action.objects.get().kind == "statement"
    again = team.alice.post(f"/customers/{c.pk}/statement", {"send": True}).json()
    assert again["created"] is False and again["action"] == sent["action"]
    nothing = team.alice.post(f"/customers/{c.pk}/statement", {"send": True, "currency": "USD"})
    assert nothing.status_code == 422 and nothing.json()["errors"][0]["field"] == "currency"
    bad = team.alice.post(f"/customers/{c.pk}/statement", {"send": "yes"})
    assert bad.status_code == 422
    unknown = team.reader.post(f"/customers/{c.pk}/statement", {"currency": "ZZZ"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "currency"


def test_evidence_zip(team: Team) -> None:
    c = acme(team)
    team.alice.post(f"/customers/{c.pk}/statement", {"send": True})
    dispatch()
    response = team.reader.get(f"/customers/{c.pk}/evidence")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["X-Relance-Tampered"] == ""
    index = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("index.json"))
    row = Correspondence.objects.get()
    assert [e["sha256"] for e in index["entries"] if e["kind"] == "message"] == [row.sha256]
    Correspondence.objects.filter(pk=row.pk).update(recipient="someone@else.example")
    assert team.reader.get(f"/customers/{c.pk}/evidence")["X-Relance-Tampered"] == str(row.pk)
    assert team.bob.get(f"/customers/{c.pk}/evidence").status_code == 404


def test_edit_preview_approve_send(team: Team) -> None:
    c = acme(team)
    today = timezone.localdate()
    plan_run(team.led.creditor, today - timedelta(days=1))
    Action.objects.update(status=ActionStatus.NEEDS_APPROVAL)  # as a step needing approval
    action = Action.objects.get()
    paul = c.contacts.get(first_name="Paul")
    edit = {"reason": "Paul pays", "contact": paul.pk, "note": "Comme convenu au téléphone."}
    assert team.alice.post(f"/actions/{action.pk}/edit", edit).status_code == 403
    assert team.manager.post(f"/actions/{action.pk}/edit", {"reason": ""}).status_code == 422
    refused = team.manager.post(f"/actions/{action.pk}/edit", {"reason": "x", "channel": "sms"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "channel"
    done = team.manager.post(f"/actions/{action.pk}/edit", edit)
    assert done.status_code == 200, done.content
    assert team.manager.post("/actions/999999/edit", edit).status_code == 404
    shown = team.reader.get(f"/actions/{action.pk}/preview").json()
    assert shown["recipient"] == "dg@acme.example"
    assert "Comme convenu au téléphone." in shown["body"]
    team.manager.post("/actions/decide", {"actions": [action.pk], "decision": "approve"})
    assert dispatch() == {"sent": 1}
    mail = CapturedMessage.objects.get()
    assert (mail.recipient, mail.subject, mail.body) == (
        shown["recipient"],
        shown["subject"],
        shown["body"],
    )


def test_send_a_reminder_now(team: Team) -> None:
    c = acme(team)
    path = f"/customers/{c.pk}/reminders"
    body = {"channel": "email", "tone": "firm", "note": "Suite à notre appel.", "preview": True}
    shown = team.alice.post(path, body)
    assert shown.status_code == 200, shown.content
    assert shown.json()["action"] is None and "Suite à notre appel." in shown.json()["body"]
    assert not Action.objects.exists()
    assert team.reader.post(path, body).status_code == 403
    assert team.bob.post(path, body).status_code == 404
    sms_note = team.alice.post(path, {**body, "channel": "sms", "preview": False})
    assert sms_note.status_code == 422 and sms_note.json()["errors"][0]["field"] == "note"
    stranger = team.led.contact(team.led.customer("Other"), "x@other.example")
    wrong = team.alice.post(path, {**body, "contact": stranger.pk})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "contact"
    sent = team.alice.post(path, {**body, "preview": False}).json()
    assert Action.objects.get().pk == sent["action"]
    assert dispatch() == {"sent": 1}
    assert CapturedMessage.objects.get().body == shown.json()["body"]
