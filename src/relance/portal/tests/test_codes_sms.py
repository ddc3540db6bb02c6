"""One-time codes by SMS: which mobile numbers may receive one, the text sent through the SMS
channel's backend (capture), the archived copy with the code masked, the same rules as by
email, and the confirmation page letting the debtor pick where the code goes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from relance.channels.models import CapturedMessage, Correspondence
from relance.customers.models import Contact, Customer
from relance.domain.sms import measure
from relance.portal import codes
from relance.portal.links import issue_link, token_of
from relance.portal.models import OneTimeCode, PortalEvent, PortalLink
from relance.portal.tests.conftest import Portal

pytestmark = pytest.mark.django_db

MOBILE = "+33612345678"


def _mobile_only(portal: Portal, mobile: str = "06 11 22 33 44", **flags: object) -> PortalLink:
    """A customer whose only contact has a mobile number and no email address."""
    customer = portal.led.customer("Garage Mobile SARL", language="fr")
    portal.led.contact(customer, "", first_name="Luc", last_name="Roy", mobile=mobile, **flags)
    return issue_link(customer)


def _captured_code() -> str:
    body = CapturedMessage.objects.filter(idempotency_key__startswith="portal-code:").latest("id")
    found = re.search(r"\b(\d{6})\b", body.body)
    assert found, body.body
    return found.group(1)


def test_sms_code_sent_archived_masked_and_checked(portal: Portal) -> None:
    link = _mobile_only(portal)
    contact = link.customer.contacts.get()
    [only] = codes.code_destinations(link.customer)
    assert (only.channel, only.address, only.masked, only.key) == (
        "sms",
        "+33611223344",
        "+33…44",
        f"sms-{contact.pk}",
    )
    row = codes.send_code(link, contact.pk, "fr", channel="sms")
    assert (row.channel, row.mobile, row.email) == ("sms", "+33611223344", "")
    sent = CapturedMessage.objects.get(idempotency_key=f"portal-code:{row.pk}")
    assert (sent.channel, sent.recipient, sent.subject) == ("sms", "+33611223344", "")
    code = _captured_code()
    assert "code de confirmation" in sent.body and "10 minutes" in sent.body
    assert measure(sent.body).segments <= 2
    archived = Correspondence.objects.get(idempotency_key=f"portal-code:{row.pk}")
    assert (archived.channel, archived.recipient, archived.backend) == (
        "sms",
        "+33611223344",
        "capture",
    )
    assert code not in archived.body and codes.MASK in archived.body
    assert archived.content_intact()
    assert code not in row.code_hash
    assert codes.check_code(link, code) is True
    with pytest.raises(codes.CodeError, match="No code is waiting"):
        codes.check_code(link, code)  # used once


def test_sms_codes_follow_the_same_rules(portal: Portal) -> None:
    link = _mobile_only(portal)
    contact = link.customer.contacts.get()
    codes.send_code(link, contact.pk, "en", channel="sms")
    right = _captured_code()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(codes.MAX_ATTEMPTS - 1):
        assert codes.check_code(link, wrong) is False
    with pytest.raises(codes.CodeError, match="Too many"):
        codes.check_code(link, wrong)
    row = codes.send_code(link, contact.pk, "en", channel="sms")
    later = row.expires_at + timedelta(seconds=1)
    assert row.expires_at - timezone.now() <= timedelta(minutes=codes.CODE_MINUTES)
    with pytest.raises(codes.CodeError, match="expired"):
        codes.check_code(link, _captured_code(), later)


def test_one_live_code_per_link_whatever_the_channel(portal: Portal) -> None:
    contact = portal.acme.contacts.get()  # an email address and a mobile number
    kinds = [d.channel for d in codes.code_destinations(portal.acme)]
    assert kinds == ["email", "sms"]
    codes.send_code(portal.link, contact.pk, "en")
    by_email = _captured_code()
    codes.send_code(portal.link, contact.pk, "en", channel="sms")
    by_sms = _captured_code()
    assert OneTimeCode.objects.filter(void_at__isnull=True).count() == 1
    if by_email != by_sms:
        assert codes.check_code(portal.link, by_email) is False
    assert codes.check_code(portal.link, by_sms) is True


@pytest.mark.parametrize(
    "flags",
    [
        {
            "mobile_undeliverable_since": timezone.now(),
            "mobile_undeliverable_reason": "hard_bounce",
        },
        {"opt_out_sms": True},  # answered STOP
        {"phone_wrong_since": timezone.now()},  # a call found the number wrong (no landline)
        {"mobile": "12"},  # not a phone number
    ],
    ids=["bounced", "stop", "wrong", "invalid"],
)
def test_mobile_numbers_that_cannot_receive_a_code_are_not_offered(
    portal: Portal, flags: dict[str, object]
) -> None:
    link = _mobile_only(portal, **flags)  # type: ignore[arg-type]
    contact = link.customer.contacts.get()
    assert codes.code_destinations(link.customer) == []
    with pytest.raises(codes.CodeError, match="Choose one of the email addresses or mobile"):
        codes.send_code(link, contact.pk, "fr", channel="sms")
    assert not OneTimeCode.objects.exists() and not CapturedMessage.objects.exists()


def test_each_number_is_offered_once_and_email_only_by_email(portal: Portal) -> None:
    customer: Customer = portal.acme
    twin = portal.led.contact(customer, "", first_name="Paul", mobile="06 12 34 56 78")
    mail_only = portal.led.contact(customer, "paul@acme.example")
    keys = [d.key for d in codes.code_destinations(customer)]
    first = customer.contacts.get(is_primary_billing=True)
    assert keys == [f"email-{first.pk}", f"email-{mail_only.pk}", f"sms-{first.pk}"]
    assert twin.pk not in [d.contact.pk for d in codes.code_destinations(customer)]
    with pytest.raises(codes.CodeError):
        codes.send_code(portal.link, mail_only.pk, "en", channel="sms")


def test_long_creditor_names_are_shortened_to_fit(portal: Portal) -> None:
    creditor = portal.led.creditor
    creditor.trade_name = "Établissements Œuvres Générales " * 6  # UCS-2 and very long
    creditor.save()
    link = _mobile_only(portal)
    codes.send_code(link, link.customer.contacts.get().pk, "fr", channel="sms")
    body = CapturedMessage.objects.get().body
    assert measure(body).encoding == "UCS-2" and measure(body).segments == 2
    assert body.startswith("Établissements Œuvres : votre code")  # cut at a word


# --------------------------------------------------------------------------- the page


def test_the_debtor_picks_the_sms_and_confirms(client: Client, portal: Portal) -> None:
    contact: Contact = portal.acme.contacts.get()
    page = client.get(portal.url("confirm/?next=promise")).content.decode()
    assert "by email to j…n@acme.example" in page and "by SMS to +33…78" in page
    assert MOBILE not in page
    response = client.post(
        portal.url("confirm/"),
        {"step": "send", "destination": f"sms-{contact.pk}", "next": "promise"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "A code was sent to +33…78" in html
    assert "Code received by SMS" in html
    assert CapturedMessage.objects.get().recipient == MOBILE
    event = PortalEvent.objects.get(kind="code_sent")
    assert event.detail == {"to": "+33…78", "channel": "sms"}
    response = client.post(
        portal.url("confirm/"), {"step": "check", "code": _captured_code(), "next": "promise"}
    )
    assert response.status_code == 302 and response["Location"] == portal.url("promise/")


def test_a_mobile_only_customer_can_confirm_in_french(client: Client, portal: Portal) -> None:
    link = _mobile_only(portal)
    contact = link.customer.contacts.get()
    url = f"/p/{token_of(link)}/confirm/"
    page = client.get(url + "?next=dispute&lang=fr").content.decode()
    assert "par SMS au +33…44" in page
    response = client.post(
        url, {"step": "send", "destination": f"sms-{contact.pk}", "next": "dispute"}
    )
    assert "Code reçu par SMS" in response.content.decode()
    assert "Votre code de confirmation" not in CapturedMessage.objects.get().body  # no subject
    refused = client.post(
        url, {"step": "send", "destination": f"email-{contact.pk}", "next": "dispute"}
    )
    assert refused.status_code == 400
    assert "Choisissez une des adresses" in refused.content.decode()


def test_no_email_and_no_mobile_gets_a_clear_message(client: Client, portal: Portal) -> None:
    customer = portal.led.customer("Sans Contact SARL", language="en")
    contact = portal.led.contact(customer, "", first_name="Nobody", phone="04 72 00 00 00")
    link = issue_link(customer)
    url = f"/p/{token_of(link)}/confirm/"
    page = client.get(url + "?next=promise").content.decode()
    assert 'id="no-destination"' in page
    assert "no email address or mobile number" in page
    assert 'name="destination"' not in page
    forged = client.post(url, {"step": "send", "destination": f"sms-{contact.pk}"})
    assert forged.status_code == 400
    assert not OneTimeCode.objects.exists()
    for raw in ("sms-", "fax-1", "sms-x", ""):
        assert client.post(url, {"step": "send", "destination": raw}).status_code == 400
