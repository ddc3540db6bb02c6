"""Registered letters: a tracking number from the backend, then presentation and AR dates
entered on the correspondence page or through the API; LRE refused with a clear message."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.test import Client, override_settings

from relance.accounts.models import Role
from relance.api.tests.conftest import api_for
from relance.channels.base import ChannelConfigError
from relance.channels.models import CapturedMessage, DeliveryStatus, RegisteredMail
from relance.channels.post.tracking import clean_tracking_number, s10, s10_check_digit
from relance.channels.registered import NotRegistered, Tracking, update_tracking
from relance.channels.registry import backend_for
from relance.channels.tests.helpers import customer, send_step
from relance.testing import Ledger
from relance.web.tests.conftest import login

pytestmark = pytest.mark.django_db


def test_s10_numbers() -> None:
    # The usual worked example, EE 473 124 829 US: serial 47312482, check digit 9.
    assert s10_check_digit("47312482") == 9
    assert s10(47312482) == "RR473124829FR"
    assert clean_tracking_number("ee 473 124 829 us") == "EE473124829US"
    assert s10_check_digit("00000000") == 5  # 11 - 0 = 11 → 5
    assert clean_tracking_number("1A 0123 4567 890") == "1A01234567890"
    with pytest.raises(ValueError, match="check digit"):
        clean_tracking_number("RR473124828FR")
    with pytest.raises(ValueError, match="not a tracking number"):
        clean_tracking_number("abc")


def test_a_registered_letter_gets_its_tracking_number_from_the_backend(ledger: Ledger) -> None:
    customer(ledger)
    copy = send_step(ledger, "registered_letter")
    captured = CapturedMessage.objects.get()
    tracking = RegisteredMail.objects.get(correspondence=copy)
    assert tracking.tracking_number == captured.tracking_number == s10(captured.pk)
    assert tracking.source == "capture"
    assert (tracking.presented_on, tracking.acknowledged_on) == (None, None)


def test_an_ordinary_letter_has_no_tracking(ledger: Ledger) -> None:
    customer(ledger)
    send_step(ledger, "letter")
    assert not RegisteredMail.objects.exists()
    assert CapturedMessage.objects.get().tracking_number == ""


def test_presentation_and_ar_entered_on_the_page(ledger: Ledger, client: Client) -> None:
    customer(ledger)
    copy = send_step(ledger, "registered_letter")
    login(client, ledger.user("boss", Role.ADMIN))
    page = client.get(f"/correspondence/{copy.pk}/").content.decode()
    assert "Registered letter" in page and RegisteredMail.objects.get().tracking_number in page
    answer = client.post(
        f"/correspondence/{copy.pk}/registered/",
        {"tracking_number": "1A 0123 4567 890", "presented_on": "2025-04-03"},
    )
    assert answer.status_code == 302
    row = RegisteredMail.objects.get()
    assert (row.tracking_number, row.presented_on) == ("1A01234567890", date(2025, 4, 3))
    copy.refresh_from_db()
    assert copy.delivery_status == DeliveryStatus.PRESENTED
    answer = client.post(
        f"/correspondence/{copy.pk}/registered/", {"acknowledged_on": "2025-04-05"}
    )
    row.refresh_from_db()
    copy.refresh_from_db()
    assert row.acknowledged_on == date(2025, 4, 5) and row.presented_on == date(2025, 4, 3)
    assert copy.delivery_status == DeliveryStatus.DELIVERED
    assert row.updated_by is not None and row.updated_by.username == "boss"
    assert LogEntry.objects.get_for_object(row).count() >= 2  # every change audited
    events = [e.event for e in copy.delivery_events.all()]
    assert events == ["presented", "delivered"]


def test_bad_dates_are_refused_on_the_page_and_nothing_is_written(
    ledger: Ledger, client: Client
) -> None:
    customer(ledger)
    copy = send_step(ledger, "registered_letter")
    login(client, ledger.user("boss", Role.ADMIN))
    answer = client.post(
        f"/correspondence/{copy.pk}/registered/",
        {"presented_on": "2025-04-06", "acknowledged_on": "2025-04-04"},
    )
    assert answer.status_code == 400
    assert "the AR cannot be signed before it was presented" in answer.content.decode()
    assert RegisteredMail.objects.get().presented_on is None
    reader = Client()
    login(reader, ledger.user("reader", Role.READ_ONLY))
    refused = reader.post(f"/correspondence/{copy.pk}/registered/", {"presented_on": "2025-04-02"})
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("body", "field", "why"),
    [
        ({"presented_on": "2025-03-01"}, "presented_on", "before the letter was sent"),
        (
            {"presented_on": "2025-04-02", "acknowledged_on": "2999-01-01"},
            "acknowledged_on",
            "in the future",
        ),
        ({"tracking_number": "RR473124828FR"}, "tracking_number", "check digit"),
        ({"tracking_number": "??"}, "tracking_number", "not a tracking number"),
    ],
)
def test_the_api_refuses_bad_tracking_with_the_field(
    ledger: Ledger, body: dict[str, Any], field: str, why: str
) -> None:
    customer(ledger)
    copy = send_step(ledger, "registered_letter")
    api = api_for(ledger.user("boss", Role.ADMIN), ledger)
    answer = api.post(f"/correspondence/{copy.pk}/registered", body)
    assert answer.status_code == 422, answer.content
    [error] = answer.json()["errors"]
    assert error["field"] == field and why in error["message"]
    row = RegisteredMail.objects.get()
    assert (row.presented_on, row.acknowledged_on) == (None, None)


def test_the_api_records_the_ar(ledger: Ledger) -> None:
    customer(ledger)
    copy = send_step(ledger, "registered_letter")
    api = api_for(ledger.user("boss", Role.ADMIN), ledger)
    answer = api.post(f"/correspondence/{copy.pk}/registered", {"acknowledged_on": "2025-04-02"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["presented_on"] == body["acknowledged_on"] == "2025-04-02"
    assert body["delivery_status"] == "delivered" and body["tracking_number"].startswith("RR")
    reader = api_for(ledger.user("reader", Role.READ_ONLY), ledger)
    assert reader.post(f"/correspondence/{copy.pk}/registered", {}).status_code == 403
    assert api.post("/correspondence/999999/registered", {}).status_code == 404


def test_only_registered_letters_are_tracked(ledger: Ledger) -> None:
    customer(ledger)
    copy = send_step(ledger, "email")
    with pytest.raises(NotRegistered):
        update_tracking(copy, Tracking(presented_on=date(2025, 4, 2)), today=date(2025, 4, 3))
    api = api_for(ledger.user("boss", Role.ADMIN), ledger)
    assert api.post(f"/correspondence/{copy.pk}/registered", {}).status_code == 404


def test_electronic_registered_letter_is_not_available() -> None:
    with (
        override_settings(RELANCE_CHANNELS="registered_letter=lre"),
        pytest.raises(ChannelConfigError, match="LRE\\) is not available yet"),
    ):
        backend_for("registered_letter")


def test_a_postal_provider_behind_the_channel_interface(ledger: Ledger) -> None:
    from relance.channels.base import Attachment, Outbound, PermanentError
    from relance.channels.capture.backend import CaptureBackend
    from relance.channels.post.base import PostBackend

    post = PostBackend(CaptureBackend())
    pdf = Attachment("k.pdf", b"%PDF-1.7 letter", "application/pdf")
    letter = Outbound("registered_letter", "k-1", "ACME\n3 rue Neuve\n69001 Lyon", "", "", "")
    sent = post.send(replace(letter, attachments=(pdf,)))
    row = CapturedMessage.objects.get(idempotency_key="k-1")
    assert sent.tracking_number == row.tracking_number == s10(row.pk)
    [file] = row.attachments.all()
    assert (file.filename, file.content_type, bytes(file.content)) == (
        "k-1.pdf",
        "application/pdf",
        b"%PDF-1.7 letter",
    )
    assert post.send(replace(letter, attachments=(pdf,))) == sent  # once per key
    plain = Outbound("letter", "k-2", "ACME", "", "", "", attachments=(pdf,))
    assert post.send(plain).tracking_number == ""
    with pytest.raises(PermanentError, match="needs its PDF"):
        post.send(letter)


@pytest.mark.parametrize(
    ("channels", "message"),
    [
        ("registered_letter=lre", "LRE) is not available yet"),
        ("sms=brevo", "RELANCE_BREVO_API_KEY is not set"),
    ],
)
def test_the_worker_refuses_to_start_with_an_unusable_backend(
    settings: Any, channels: str, message: str
) -> None:
    from typer.testing import CliRunner

    from relance.cli import app

    settings.RELANCE_CHANNELS = channels
    settings.RELANCE_BREVO_API_KEY = ""
    refused = CliRunner().invoke(app, ["worker", "--once"])
    assert refused.exit_code == 2 and message in refused.output
    assert "Traceback" not in refused.output
