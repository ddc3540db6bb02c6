"""Online payment: the local provider end to end, and the Stripe Checkout adapter against a
local HTTP server playing Stripe (its request form, answer shapes and signature scheme)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from relance.ledger.models import Payment
from relance.portal.models import Checkout, EventKind, PortalEvent
from relance.portal.payments.stripe import signature_header
from relance.portal.tests.conftest import Portal
from relance.portal.tests.stripe_server import WHSEC, FakeStripe, completed

pytestmark = pytest.mark.django_db


def _post_event(client: Client, body: bytes, header: str) -> Any:
    return client.post(
        "/portal/webhooks/stripe/",
        body,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )


def test_stripe_checkout_then_signed_webhook_books_the_payment(
    client: Client, portal: Portal, stripe: FakeStripe
) -> None:
    response = client.post(portal.url("pay/online/"), {"invoice": [portal.late.pk]})
    assert response.status_code == 302
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_0001"
    headers, form = stripe.requests[0]
    assert headers["authorization"] == "Bearer sk_test_relance"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert form["mode"] == ["payment"]
    assert form["line_items[0][price_data][unit_amount]"] == ["120000"]
    assert form["line_items[0][price_data][currency]"] == ["eur"]
    assert form["line_items[0][quantity]"] == ["1"]
    assert "F-100" in form["line_items[0][price_data][product_data][name]"][0]
    assert headers["idempotency-key"] == form["client_reference_id"][0]
    assert form["success_url"][0].startswith("http://testserver/p/")
    checkout = Checkout.objects.get()
    assert (checkout.provider_ref, checkout.amount_minor) == ("cs_test_0001", 120000)

    body = completed("cs_test_0001", 120000)
    ok = _post_event(client, body, signature_header(WHSEC, body, int(time.time())))
    assert ok.status_code == 200, ok.content
    payment = Payment.objects.get()
    assert (payment.amount_minor, payment.method, payment.external_ref) == (
        120000,
        "card",
        "stripe:pi_3Abc",
    )
    portal.late.refresh_from_db()
    assert portal.late.open_minor == 0
    # Stripe delivers again: nothing more
    again = _post_event(client, body, signature_header(WHSEC, body, int(time.time())))
    assert again.status_code == 200 and Payment.objects.count() == 1
    assert PortalEvent.objects.filter(kind=EventKind.PAYMENT_RECEIVED).count() == 1
    checkout.refresh_from_db()
    assert checkout.status == "paid" and checkout.payment == payment


def test_stripe_webhooks_not_authentic_are_refused(
    client: Client, portal: Portal, stripe: FakeStripe
) -> None:
    client.post(portal.url("pay/online/"), {"invoice": [portal.late.pk]})
    body = completed("cs_test_0001", 120000)
    now = int(time.time())
    cases = [
        signature_header("whsec_other", body, now),  # another secret
        signature_header(WHSEC, body + b" ", now),  # the body changed
        signature_header(WHSEC, body, now - 3600),  # a replay, an hour later
        "",  # no header
        f"t={now}",  # no v1
    ]
    for header in cases:
        assert _post_event(client, body, header).status_code == 400, header
    assert not Payment.objects.exists()
    # several v1 (a secret being rolled): one match is enough
    good = signature_header(WHSEC, body, now).split(",")[1]
    rolled = f"t={now},v1={'0' * 64},{good}"
    assert _post_event(client, body, rolled).status_code == 200
    assert Payment.objects.count() == 1


def test_stripe_events_of_no_interest_and_unknown_sessions(
    client: Client, portal: Portal, stripe: FakeStripe
) -> None:
    now = int(time.time())
    body = completed("cs_test_0001", 120000, kind="checkout.session.expired")
    assert _post_event(client, body, signature_header(WHSEC, body, now)).status_code == 200
    body = completed("cs_not_ours", 5000)
    assert _post_event(client, body, signature_header(WHSEC, body, now)).status_code == 200
    assert not Payment.objects.exists()
    # another provider's webhook address is not served
    assert (
        client.post("/portal/webhooks/local/", b"{}", content_type="application/json").status_code
        == 404
    )


def test_stripe_refusing_the_session_shows_a_message(
    client: Client, portal: Portal, stripe: FakeStripe
) -> None:
    stripe.error = (400, {"error": {"type": "invalid_request_error", "message": "No such price"}})
    response = client.post(portal.url("pay/online/"), {"invoice": [portal.late.pk]})
    assert response.status_code == 400
    assert "not available just now" in response.content.decode()
    assert not Checkout.objects.exists()


def test_local_provider_pays_and_allocates(client: Client, portal: Portal, settings: Any) -> None:
    settings.RELANCE_PAYMENT_PROVIDER = "local"
    assert "Pay" in client.get(portal.url("pay/")).content.decode()
    response = client.post(portal.url("pay/online/"), {"invoice": [portal.late.pk, portal.soon.pk]})
    assert response.status_code == 302
    hosted = response["Location"]
    assert hosted.startswith("http://testserver/portal/pay/local/local_")
    path = hosted.removeprefix("http://testserver")
    assert "Test payment page" in client.get(path).content.decode()
    done = client.post(path, {"decision": "pay"})
    assert done.status_code == 302 and done["Location"] == portal.url("pay/done/")
    payment = Payment.objects.get()
    assert payment.amount_minor == 150000 and payment.allocated_minor == 150000
    assert "payment of" in client.get(portal.url("pay/done/")).content.decode()
    # a forged local notification is refused
    forged = client.post(
        "/portal/webhooks/local/",
        b'{"type": "payment.succeeded"}',
        content_type="application/json",
        headers={"X-Relance-Signature": "0" * 64},
    )
    assert forged.status_code == 400


def test_paying_another_customers_invoice_is_refused(
    client: Client, portal: Portal, settings: Any
) -> None:
    settings.RELANCE_PAYMENT_PROVIDER = "local"
    response = client.post(portal.url("pay/online/"), {"invoice": [portal.other_invoice.pk]})
    assert response.status_code == 400
    assert not Checkout.objects.exists()
