"""SMS delivery reports: Brevo's transactional SMS webhook posted to the URL as Brevo posts it,
about an SMS really sent through the Brevo adapter to a local HTTP server."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client, override_settings

from relance.accounts.models import Role
from relance.channels.models import Correspondence, DeliveryEvent, DeliveryStatus
from relance.channels.tests.helpers import DAY, customer, send_step
from relance.channels.tests.provider_server import ProviderServer
from relance.customers.models import Contact
from relance.dunning.models import Action, ActionStatus
from relance.dunning.outbox import dispatch
from relance.dunning.services import plan_run
from relance.testing import Ledger
from relance.web.tests.conftest import login

pytestmark = pytest.mark.django_db

URL = "/webhooks/brevo/sms/"
SECRET = "brevo:s3cret-webhook"
MESSAGE_ID = 1511882900176220


@pytest.fixture(autouse=True)
def _secret(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


@pytest.fixture
def server() -> Iterator[ProviderServer]:
    with ProviderServer() as running:
        yield running


def texted(ledger: Ledger, server: ProviderServer) -> Correspondence:
    """One reminder sent by SMS through the Brevo adapter, which answers its message id."""
    customer(ledger, mobile="06 12 34 56 78")
    server.answers.append((201, {"messageId": MESSAGE_ID}))
    with override_settings(
        RELANCE_CHANNELS="sms=brevo",
        RELANCE_BREVO_API_KEY="k",
        RELANCE_SMS_SENDER="ACME",
        RELANCE_BREVO_API_URL=server.url,
    ):
        copy = send_step(ledger, "sms")
    assert server.requests[0].json()["recipient"] == "33612345678"
    assert copy.provider_id == str(MESSAGE_ID) and copy.backend == "brevo"
    return copy


def report(status: str, **extra: Any) -> dict[str, Any]:
    """A transactional SMS event in Brevo's shape (developers.brevo.com, transactional webhooks)."""
    body: dict[str, Any] = {
        "id": 26570,
        "to": "33612345678",
        "sms_count": 1,
        "credits_used": 1.5,
        "messageId": MESSAGE_ID,
        "remaining_credit": 11488.845,
        "msg_status": status,
        "date": "2025-04-01 10:05:00",
        "type": "transactional",
        "reference": "9b1c2d3e-reference",
        "status": "OK",
        "description": status,
        "ts_event": 1743494700,
        "tag": "2025-04-01-sms",
    }
    body.update(extra)
    return body


def post(body: Any, secret: str = SECRET) -> Any:
    auth = base64.b64encode(secret.encode()).decode()
    raw = body if isinstance(body, bytes) else json.dumps(body)
    return Client().post(
        URL, raw, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {auth}"
    )


@pytest.mark.parametrize(
    ("events", "status"),
    [
        (["sent", "accepted", "delivered"], DeliveryStatus.DELIVERED),
        (["delivered", "sent"], DeliveryStatus.DELIVERED),  # never moves back
        (["sent", "soft_bounce"], DeliveryStatus.SENT),  # temporary: recorded only
        (["softBounce"], DeliveryStatus.SENT),
        (["rejected"], DeliveryStatus.REJECTED),
    ],
)
def test_reports_move_the_status_forward(
    ledger: Ledger, server: ProviderServer, events: list[str], status: str
) -> None:
    copy = texted(ledger, server)
    for event in events:
        assert post(report(event)).status_code == 200
    copy.refresh_from_db()
    assert copy.delivery_status == status
    recorded = list(copy.delivery_events.all())
    assert [e.event for e in recorded] == [e.replace("softBounce", "soft_bounce") for e in events]
    assert {e.source for e in recorded} == {"brevo-sms"}
    assert recorded[0].occurred_at == datetime(2025, 4, 1, 8, 5, tzinfo=UTC)  # ts_event, UTC
    contact = Contact.objects.get()
    assert contact.mobile_undeliverable_since is None and not contact.opt_out_sms


@pytest.mark.parametrize("event", ["hard_bounce", "hardBounce"])
def test_a_hard_bounce_flags_the_mobile_and_the_engine_stops_sending_sms_there(
    ledger: Ledger, server: ProviderServer, client: Client, event: str
) -> None:
    copy = texted(ledger, server)
    answer = post(report(event, description="Absent subscriber"))
    assert answer.status_code == 200
    copy.refresh_from_db()
    assert copy.delivery_status == DeliveryStatus.BOUNCED
    contact = Contact.objects.get()
    assert contact.mobile_undeliverable_since == datetime(2025, 4, 1, 8, 5, tzinfo=UTC)
    assert contact.mobile_undeliverable_reason == (
        "hard_bounce (brevo-sms, 2025-04-01): Absent subscriber"
    )
    assert contact.email_undeliverable_since is None  # the email address is not concerned
    login(client, ledger.user("boss", Role.ADMIN))
    page = client.get(f"/customers/{copy.customer_id}/").content.decode()
    assert "to update: no SMS delivered" in page
    archived = client.get(f"/correspondence/{copy.pk}/").content.decode()
    assert "Delivery reports" in archived and "Absent subscriber" in archived
    # The next reminder by SMS finds no usable number: cancelled with the reason.
    ledger.invoice(copy.customer, "F-2", "10.00", issued="2025-03-02", due="2025-03-31")
    Action.objects.update(as_of="2025-03-01")  # out of the cooldown's way
    plan_run(ledger.creditor, DAY.replace(day=20))
    dispatch(now=datetime(2025, 4, 21, 8, 0, tzinfo=UTC))  # a Monday, 10:00 in Paris
    latest = Action.objects.filter(channel="sms").order_by("-pk").first()
    assert latest is not None and latest.status == ActionStatus.CANCELLED
    assert latest.reason == (
        "no mobile number usable (missing, opted out, undeliverable or flagged wrong)"
    )
    assert len(server.requests) == 1  # Brevo was not asked again


def test_a_corrected_mobile_is_usable_again(ledger: Ledger, server: ProviderServer) -> None:
    from relance.api.tests.conftest import api_for

    texted(ledger, server)
    post(report("hard_bounce"))
    contact = Contact.objects.get()
    api = api_for(ledger.user("boss", Role.ADMIN), ledger)
    same = api.patch(f"/contacts/{contact.pk}", {"job_title": "Comptable"})
    assert same.status_code == 200
    assert same.json()["mobile_undeliverable_since"] is not None
    assert same.json()["mobile_undeliverable_reason"].startswith("hard_bounce (brevo-sms")
    fixed = api.patch(f"/contacts/{contact.pk}", {"mobile": "07 98 76 54 32"})
    assert fixed.status_code == 200, fixed.content
    contact.refresh_from_db()
    assert contact.mobile == "+33798765432"
    assert contact.mobile_undeliverable_since is None and contact.mobile_undeliverable_reason == ""


def test_stop_opts_the_contact_out_and_a_reply_is_kept(
    ledger: Ledger, server: ProviderServer
) -> None:
    copy = texted(ledger, server)
    assert post(report("replied", reply="Virement fait ce matin")).status_code == 200
    assert post(report("unsubscribed", reply="STOP")).status_code == 200
    contact = Contact.objects.get()
    assert contact.opt_out_sms and contact.mobile_undeliverable_since is None
    events = list(copy.delivery_events.values_list("event", "detail"))
    assert events == [("replied", "Virement fait ce matin"), ("unsubscribed", "STOP")]
    copy.refresh_from_db()
    assert copy.delivery_status == DeliveryStatus.SENT


def test_a_batch_is_recorded_whole_or_not_at_all(ledger: Ledger, server: ProviderServer) -> None:
    copy = texted(ledger, server)
    bad = post([report("delivered"), {"msg_status": "hard_bounce", "to": "33612345678"}])
    assert bad.status_code == 400
    assert b"item 2: messageId is missing" in bad.content
    assert not DeliveryEvent.objects.exists()
    good = post([report("sent"), report("delivered", ts_event=None, date="2025-04-01 10:06:00")])
    assert good.status_code == 200
    copy.refresh_from_db()
    assert copy.delivery_status == DeliveryStatus.DELIVERED
    delivered = copy.delivery_events.get(event="delivered")
    assert delivered.occurred_at == datetime(2025, 4, 1, 8, 6, tzinfo=UTC)  # Paris time


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", b"the body is not JSON"),
        (b'"text"', b"an SMS report is a JSON object"),
        ({"messageId": MESSAGE_ID}, b"msg_status is missing"),
        ({"msg_status": "delivered", "messageId": ""}, b"messageId is missing"),
        (
            {"msg_status": "delivered", "messageId": MESSAGE_ID, "ts_event": "yesterday"},
            b"ts_event 'yesterday' is not a time in seconds",
        ),
        (
            {"msg_status": "delivered", "messageId": MESSAGE_ID, "date": "01/04/2025"},
            b"date '01/04/2025' is not YYYY-MM-DD HH:MM:SS",
        ),
    ],
)
def test_a_post_that_is_not_an_sms_report_is_refused(
    ledger: Ledger, server: ProviderServer, body: Any, reason: bytes
) -> None:
    copy = texted(ledger, server)
    answer = post(body)
    assert answer.status_code == 400
    assert b"not a Brevo SMS report" in answer.content and reason in answer.content
    copy.refresh_from_db()
    assert copy.delivery_status == DeliveryStatus.SENT and not copy.delivery_events.exists()


def test_posts_without_the_secret_are_refused(
    ledger: Ledger, server: ProviderServer, settings: Any
) -> None:
    copy = texted(ledger, server)
    assert post(report("hard_bounce"), secret="brevo:wrong").status_code == 400
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    assert post(report("hard_bounce")).status_code == 400
    copy.refresh_from_db()
    assert copy.delivery_status == DeliveryStatus.SENT
    assert Contact.objects.get().mobile_undeliverable_since is None


def test_reports_for_unknown_messages_are_ignored(ledger: Ledger, server: ProviderServer) -> None:
    copy = texted(ledger, server)
    assert post(report("hard_bounce", messageId=42)).status_code == 200
    # an email's provider id is never matched by an SMS report
    Correspondence.objects.filter(pk=copy.pk).update(channel="email")
    assert post(report("hard_bounce")).status_code == 200
    assert not DeliveryEvent.objects.exists()
    assert Contact.objects.get().mobile_undeliverable_since is None
