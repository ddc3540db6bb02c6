"""The archive page, the customer timeline, and the channel configuration."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from relance.channels.models import CapturedMessage, Correspondence
from relance.channels.registry import ChannelConfigError, backend_for, configured
from relance.dunning.outbox import dispatch
from relance.dunning.services import plan_run
from relance.web.tests.conftest import World, login

pytestmark = pytest.mark.django_db


def sent(world: World) -> Correspondence:
    world.led.contact(world.acme, "compta@acme.example", last_name="Martin")
    plan_run(world.led.creditor, date(2025, 4, 1))
    dispatch(now=datetime(2025, 4, 1, 9, tzinfo=UTC))
    return Correspondence.objects.get(customer=world.acme)


def test_archive_copy_is_shown_to_those_who_see_the_customer(client: Client, world: World) -> None:
    copy = sent(world)
    login(client, world.alice)
    html = client.get(reverse("correspondence", args=[copy.pk])).content.decode()
    assert copy.subject in html and "F-2025-001" in html and "(content intact)" in html
    customer_page = client.get(reverse("customer", args=[world.acme.pk])).content.decode()
    assert reverse("correspondence", args=[copy.pk]) in customer_page
    login(client, world.bob)  # another collector
    assert client.get(reverse("correspondence", args=[copy.pk])).status_code == 404


def test_a_changed_copy_is_flagged(client: Client, world: World) -> None:
    copy = sent(world)
    Correspondence.objects.filter(pk=copy.pk).update(body=copy.body + "\nP.S.")
    login(client, world.admin)
    html = client.get(reverse("correspondence", args=[copy.pk])).content.decode()
    assert "does not match its hash" in html


def test_capture_is_the_default_and_config_errors_are_clear() -> None:
    assert configured() == {}
    assert backend_for("sms").name == "capture"
    with override_settings(RELANCE_CHANNELS="email=email, sms=capture"):
        assert configured() == {"email": "email", "sms": "capture"}
        assert backend_for("email").name == "email"
    with (
        override_settings(RELANCE_CHANNELS="email=pigeon"),
        pytest.raises(ChannelConfigError, match="unknown backend 'pigeon'"),
    ):
        configured()
    with (
        override_settings(RELANCE_CHANNELS="sms=email"),
        pytest.raises(ChannelConfigError, match="cannot carry sms"),
    ):
        configured()


def test_capture_keeps_one_message_per_key() -> None:
    from relance.channels.base import Outbound
    from relance.channels.capture.backend import CaptureBackend

    message = Outbound("email", "k-1", "a@b.example", "A", "Subject", "Body")
    first = CaptureBackend().send(message)
    again = CaptureBackend().send(message)
    assert first == again and CapturedMessage.objects.count() == 1
