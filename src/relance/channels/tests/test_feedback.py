"""Delivery feedback: Brevo tracking webhooks posted to the URL as Brevo posts them."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client, override_settings

from relance.accounts.models import Role
from relance.channels.email.backend import message_id
from relance.channels.email.sink import Sink, free_port, smtp_settings
from relance.channels.models import Correspondence, DeliveryStatus
from relance.channels.tests.helpers import DAY, customer, send_step
from relance.customers.models import Contact
from relance.dunning.models import Action, ActionStatus
from relance.dunning.outbox import dispatch
from relance.dunning.services import plan_run
from relance.testing import Ledger
from relance.web.tests.conftest import login

pytestmark = pytest.mark.django_db

URL = "/webhooks/brevo/tracking/"
SECRET = "brevo:s3cret-webhook"


@pytest.fixture(autouse=True)
def _secret(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


def brevo(event: str, copy: Correspondence, **extra: Any) -> dict[str, Any]:
    """A transactional webhook body in Brevo's shape (developers.brevo.com, anymail's tests)."""
    body = {
        "event": event,
        "email": copy.recipient,
        "id": 1234567,
        "date": "2025-04-01 10:00:00",
        "ts": 1743501600,
        "message-id": copy.provider_id,
        "ts_event": 1743501600,
        "subject": copy.subject,
        "tag": "",
        "sending_ip": "185.41.28.109",
        "ts_epoch": 1743501600000,
        "tags": [],
    }
    body.update(extra)
    return body


def post(body: dict[str, Any], secret: str = SECRET) -> Any:
    auth = base64.b64encode(secret.encode()).decode()
    return Client().post(
        URL, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Basic {auth}"
    )


def emailed(ledger: Ledger) -> Correspondence:
    """One reminder sent through SMTP (a real aiosmtpd server), as in production."""
    customer(ledger)
    inbox = Sink()
    port = free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        with override_settings(**smtp_settings(port)):
            copy = send_step(ledger, "email")
    finally:
        server.stop()
    assert inbox.recipients == ["compta@acme.example"]
    assert copy.provider_id == message_id(copy.idempotency_key)
    return copy


@pytest.mark.parametrize(
    ("events", "status"),
    [
        (["delivered"], DeliveryStatus.DELIVERED),
        (["delivered", "unique_opened"], DeliveryStatus.OPENED),
        (["unique_opened", "delivered"], DeliveryStatus.OPENED),  # never moves back
        (["request", "deferred"], DeliveryStatus.SENT),
        (["soft_bounce"], DeliveryStatus.SENT),
    ],
)
def test_events_move_the_status_forward(ledger: Ledger, events: list[str], status: str) -> None:
    copy = emailed(ledger)
    for event in events:
        assert post(brevo(event, copy)).status_code == 200
    copy.refresh_from_db()
    assert copy.delivery_status == status
    assert [e.event.split(" ")[0] for e in copy.delivery_events.all()] == [
        {"unique_opened": "opened", "request": "queued", "soft_bounce": "bounced"}.get(e, e)
        for e in events
    ]
    assert Contact.objects.get().email_undeliverable_since is None


@pytest.mark.parametrize(
    ("event", "status"),
    [
        ("hard_bounce", DeliveryStatus.BOUNCED),
        ("invalid_email", DeliveryStatus.BOUNCED),
        ("blocked", DeliveryStatus.REJECTED),
        ("spam", DeliveryStatus.COMPLAINED),
    ],
)
def test_a_bounce_or_complaint_flags_the_contact_and_the_engine_stops_sending_there(
    ledger: Ledger, client: Client, event: str, status: str
) -> None:
    copy = emailed(ledger)
    answer = post(brevo(event, copy, reason="550 5.1.1 User unknown"))
    assert answer.status_code == 200
    copy.refresh_from_db()
    assert copy.delivery_status == status
    contact = Contact.objects.get()
    assert contact.email_undeliverable_since is not None
    assert contact.email_undeliverable_reason.startswith(status)
    assert "User unknown" in contact.email_undeliverable_reason or event != "hard_bounce"
    login(client, ledger.user("boss", Role.ADMIN))
    page = client.get(f"/customers/{copy.customer_id}/").content.decode()
    assert "to update: undeliverable" in page
    archived = client.get(f"/correspondence/{copy.pk}/").content.decode()
    assert "Delivery reports" in archived and status in archived
    # The next reminder by email finds no usable address: cancelled with the reason.
    ledger.invoice(copy.customer, "F-2", "10.00", issued="2025-03-02", due="2025-03-31")
    Action.objects.update(as_of="2025-03-01")  # out of the cooldown's way
    plan_run(ledger.creditor, DAY.replace(day=20))
    dispatch()
    latest = Action.objects.filter(channel="email").order_by("-pk").first()
    assert latest is not None and latest.status == ActionStatus.CANCELLED
    assert latest.reason == "no email address usable (missing or opted out)"


def test_posts_without_the_secret_are_refused(ledger: Ledger, settings: Any) -> None:
    copy = emailed(ledger)
    assert post(brevo("hard_bounce", copy), secret="brevo:wrong").status_code == 400
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    assert post(brevo("hard_bounce", copy)).status_code == 400
    copy.refresh_from_db()
    assert copy.delivery_status == DeliveryStatus.SENT
    assert Contact.objects.get().email_undeliverable_since is None


def test_events_for_unknown_messages_are_ignored(ledger: Ledger) -> None:
    copy = emailed(ledger)
    body = brevo("hard_bounce", copy)
    body["message-id"] = "<someone-else@relay.example>"
    assert post(body).status_code == 200
    copy.refresh_from_db()
    assert copy.delivery_status == DeliveryStatus.SENT and not copy.delivery_events.exists()


def test_a_corrected_address_is_usable_again(ledger: Ledger) -> None:
    from relance.api.tests.conftest import api_for

    copy = emailed(ledger)
    post(brevo("hard_bounce", copy))
    contact = Contact.objects.get()
    assert contact.email_undeliverable_since is not None
    api = api_for(ledger.user("boss", Role.ADMIN), ledger)
    same = api.patch(f"/contacts/{contact.pk}", {"phone": "+33478000000"})
    assert same.status_code == 200
    assert same.json()["email_undeliverable_since"] is not None
    assert same.json()["email_undeliverable_reason"].startswith("bounced (brevo")
    contact.refresh_from_db()
    assert contact.email_undeliverable_since is not None  # other changes keep the flag
    fixed = api.patch(f"/contacts/{contact.pk}", {"email": "factures@acme.example"})
    assert fixed.status_code == 200, fixed.content
    contact.refresh_from_db()
    assert contact.email_undeliverable_since is None and contact.email_undeliverable_reason == ""


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"'])
def test_a_post_that_is_not_a_brevo_event_is_refused(ledger: Ledger, body: bytes) -> None:
    auth = base64.b64encode(SECRET.encode()).decode()
    answer = Client().post(
        URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {auth}"
    )
    assert answer.status_code == 400
    assert b"not a Brevo tracking event" in answer.content
