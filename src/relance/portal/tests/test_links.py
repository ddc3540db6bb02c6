"""Personal links: in the reminders as sent (email, SMS, letter), stable across retries,
refused when tampered, expired, revoked or malformed."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from relance.channels.models import CapturedMessage, Correspondence
from relance.domain.sms import measure
from relance.domain.wording import lint
from relance.dunning.messages import render
from relance.dunning.models import Action
from relance.dunning.outbox import dispatch
from relance.dunning.services import plan_run
from relance.portal.links import (
    LinkRefused,
    issue_link,
    link_for_message,
    resolve,
    revoke_links,
    token_of,
    url_for_action,
)
from relance.portal.models import PortalLink
from relance.portal.tests.conftest import PORTAL, Portal

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver/p/([0-9]+-[a-z2-7]{32})/")


def _plan(portal: Portal, channel: str = "email") -> Action:
    plan_run(portal.led.creditor, portal.today)
    action = Action.objects.get(customer=portal.acme)
    if channel != "email":
        Action.objects.filter(pk=action.pk).update(channel=channel)
        action.refresh_from_db()
    return action


def test_the_reminder_sent_carries_a_link_to_its_customer(portal: Portal) -> None:
    _plan(portal)
    assert dispatch()["sent"] == 1  # (the other customer has no address: cancelled)
    body = CapturedMessage.objects.get().body
    match = LINK.search(body)
    assert match, body
    assert "on your personal page" in body
    link = resolve(match.group(1))
    assert link.customer == portal.acme and link.creditor == portal.led.creditor
    assert link.message_key == Action.objects.get(customer=portal.acme).idempotency_key
    # the archive holds the same text
    assert match.group(0) in Correspondence.objects.get(customer=portal.acme).body
    # the database never holds the token
    assert match.group(1) not in {link.token_hash, link.nonce}


def test_a_retry_renders_the_same_link_and_issues_no_other(portal: Portal) -> None:
    action = _plan(portal)
    first = url_for_action(action)
    again = url_for_action(action)
    assert first == again
    assert PortalLink.objects.filter(customer=portal.acme, message_key__isnull=False).count() == 1
    # a different message gets a different link
    other = link_for_message(portal.acme, "another-message")
    assert token_of(other) not in first


def test_no_link_without_a_portal_address_and_none_in_previews(
    portal: Portal, settings: object
) -> None:
    action = _plan(portal)
    assert "/p/" not in render(action, portal.today).body  # a preview: no link
    setattr(settings, "RELANCE_PORTAL_URL", "")  # noqa: B010
    assert url_for_action(action) == ""


def test_sms_keeps_the_whole_link_within_two_segments(portal: Portal) -> None:
    action = _plan(portal, "sms")
    for n in range(12):  # many invoices: the text is shortened, never the link
        portal.led.invoice(portal.acme, f"F-LONG-NUMBER-{n:04d}", "10.00", issued="2025-01-01")
    url = url_for_action(action)
    body = render(action, portal.today, portal_url=url).body
    assert body.endswith(url)
    assert measure(body).segments <= 2 and measure(body).encoding == "GSM-7"


def test_a_letter_prints_the_link(portal: Portal) -> None:
    action = _plan(portal, "letter")
    url = url_for_action(action)
    message = render(action, portal.today, portal_url=url)
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(message.attachments[0].content)).pages
    )
    assert token_of(PortalLink.objects.get(message_key=action.idempotency_key)) in text.replace(
        "\n", ""
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_link_sentence_passes_the_wording_rules(portal: Portal, lang: str) -> None:
    portal.acme.language = lang
    portal.acme.save()
    action = _plan(portal)
    url = url_for_action(action)
    body = render(action, portal.today, portal_url=url).body
    assert url in body
    assert lint(body.replace(url, "<portal>")) == []


def _flip(token: str) -> str:
    last = token[-1]
    return token[:-1] + ("a" if last != "a" else "b")


def test_refused_tokens(portal: Portal) -> None:
    token = token_of(portal.link)
    assert resolve(token) == portal.link
    cases = {
        "malformed token": ["", "abc", token + "x", token.upper(), "0-" + token.split("-")[1]],
        "bad signature": [_flip(token)],
        "unknown link": [f"{portal.link.pk + 1000}-{token.split('-')[1]}"],
    }
    for reason, tokens in cases.items():
        for bad in tokens:
            with pytest.raises(LinkRefused) as refused:
                resolve(bad)
            assert refused.value.reason == reason, bad
    # another link's id with this link's signature
    other = issue_link(portal.other)
    with pytest.raises(LinkRefused, match="bad signature"):
        resolve(f"{other.pk}-{token.split('-')[1]}")


def test_expired_and_revoked_links(portal: Portal, client: Client) -> None:
    token = token_of(portal.link)
    later = timezone.now() + timedelta(days=61)
    with pytest.raises(LinkRefused, match="expired"):
        resolve(token, later)
    assert client.get(f"/p/{token}/").status_code == 200
    assert revoke_links(portal.acme) == 1
    with pytest.raises(LinkRefused, match="revoked"):
        resolve(token)
    response = client.get(f"/p/{token}/")
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert "ACME" not in response.content.decode()


def test_link_lifetime_follows_the_setting(portal: Portal, settings: object) -> None:
    setattr(settings, "RELANCE_PORTAL_LINK_DAYS", 7)  # noqa: B010
    link = issue_link(portal.acme)
    assert timedelta(days=6, hours=23) < link.expires_at - link.created_at <= timedelta(days=7)
    assert PORTAL  # the portal's base address of these tests
