"""Stripe Checkout over its HTTP API (through relance.core.http), no SDK.

Create: `POST /v1/checkout/sessions` (form-encoded, `Authorization: Bearer <secret key>`,
`Idempotency-Key: <our reference>`) with `mode=payment`, one line item priced in the
invoice currency (`price_data[unit_amount]` in minor units, `price_data[product_data][name]`),
`success_url`, `cancel_url`, `client_reference_id` and `metadata`; the answer's `id`
(`cs_…`) and `url` are the hosted checkout.

Webhook: Stripe signs each event with the endpoint's secret (`whsec_…`): the header
`Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>…]` where each v1 is
HMAC-SHA256(secret, "<t>.<raw body>"). The event is refused when no v1 matches, or when
`t` is more than TOLERANCE seconds away from now (replays). A payment is confirmed by
`checkout.session.completed` with `payment_status` "paid" (cards), or by
`checkout.session.async_payment_succeeded` (delayed methods such as SEPA debit); other
events are acknowledged and ignored.

Settings: RELANCE_STRIPE_SECRET_KEY, RELANCE_STRIPE_WEBHOOK_SECRET, RELANCE_STRIPE_API_URL
(another address for tests: a local server playing Stripe). A creditor's own account
(relance.portal.models.PaymentAccount) brings its own secret key and webhook secret
(`from_account`); the API address stays the install's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from relance.core.http import NetworkError, request
from relance.portal.payments.base import (
    CheckoutRequest,
    ConfirmedPayment,
    HostedCheckout,
    ProviderConfigError,
    ProviderError,
    WebhookRefused,
)

#: seconds between the signature's timestamp and now beyond which an event is refused
TOLERANCE = 300
PAID_EVENTS = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """The `Stripe-Signature` header Stripe would send for `body` (used by the tests'
    local Stripe server)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class StripeCheckout:
    name = "stripe"

    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        api_url: str,
        needs: str = "RELANCE_PAYMENT_PROVIDER=stripe needs RELANCE_STRIPE_SECRET_KEY and "
        "RELANCE_STRIPE_WEBHOOK_SECRET",
    ) -> None:
        if not secret_key or not webhook_secret:
            raise ProviderConfigError(needs)
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.api_url = api_url.rstrip("/") + "/"

    @classmethod
    def from_settings(cls) -> StripeCheckout:
        return cls(
            settings.RELANCE_STRIPE_SECRET_KEY,
            settings.RELANCE_STRIPE_WEBHOOK_SECRET,
            settings.RELANCE_STRIPE_API_URL,
        )

    @classmethod
    def from_account(cls, secret_key: str, webhook_secret: str) -> StripeCheckout:
        return cls(
            secret_key,
            webhook_secret,
            settings.RELANCE_STRIPE_API_URL,
            "a Stripe payment account needs secret_key and webhook_secret",
        )

    def create_checkout(self, req: CheckoutRequest) -> HostedCheckout:
        numbers = ", ".join(req.invoice_numbers)
        form = [
            ("mode", "payment"),
            ("success_url", req.success_url),
            ("cancel_url", req.cancel_url),
            ("client_reference_id", req.reference),
            ("locale", req.locale if req.locale in ("fr", "en") else "auto"),
            ("line_items[0][quantity]", "1"),
            ("line_items[0][price_data][currency]", req.amount.currency.lower()),
            ("line_items[0][price_data][unit_amount]", str(req.amount.minor)),
            ("line_items[0][price_data][product_data][name]", req.description[:250]),
            ("metadata[relance_reference]", req.reference),
            ("metadata[invoices]", numbers[:500]),
            ("payment_intent_data[description]", req.description[:250]),
        ]
        if req.customer_email:
            form.append(("customer_email", req.customer_email))
        try:
            answer = request(
                "POST",
                f"{self.api_url}v1/checkout/sessions",
                headers={
                    "Authorization": f"Bearer {self.secret_key}",
                    "Idempotency-Key": req.reference,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                data=urlencode(form).encode("ascii"),
            )
        except NetworkError as exc:
            raise ProviderError(f"Stripe unreachable: {exc}", transient=True) from exc
        body = answer.json()
        if not answer.ok:
            error = (body or {}).get("error", {}) if isinstance(body, dict) else {}
            message = error.get("message") or answer.text()
            transient = answer.status >= 500 or answer.status == 429
            raise ProviderError(f"Stripe {answer.status}: {message}", transient=transient)
        if not isinstance(body, dict) or not body.get("id") or not body.get("url"):
            raise ProviderError(f"Stripe answered without a session id and url: {answer.text()}")
        return HostedCheckout(str(body["id"]), str(body["url"]))

    def verify_webhook(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> ConfirmedPayment | None:
        header = headers.get("Stripe-Signature", "")
        parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
        stamps = [v for k, v in parts if k.strip() == "t"]
        signatures = [v.strip() for k, v in parts if k.strip() == "v1"]
        if len(stamps) != 1 or not stamps[0].strip().isdigit() or not signatures:
            raise WebhookRefused("no Stripe-Signature with a timestamp and a v1 signature")
        timestamp = int(stamps[0])
        if abs(now.timestamp() - timestamp) > TOLERANCE:
            raise WebhookRefused("signature timestamp outside the tolerance (a replay?)")
        expected = signature_header(self.webhook_secret, body, timestamp).rsplit("v1=", 1)[1]
        if not any(hmac.compare_digest(expected, s) for s in signatures):
            raise WebhookRefused("bad signature")
        try:
            event = json.loads(body.decode("utf-8"))
            kind = event["type"]
            session = event["data"]["object"]
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRefused(f"unreadable event: {exc}") from exc
        if kind not in PAID_EVENTS or session.get("payment_status") != "paid":
            return None
        try:
            created = datetime.fromtimestamp(
                int(event["created"]), tz=timezone.get_current_timezone()
            )
            return ConfirmedPayment(
                provider_ref=str(session["id"]),
                payment_id=str(session.get("payment_intent") or session["id"]),
                amount_minor=int(session["amount_total"]),
                currency=str(session["currency"]).upper(),
                paid_on=created.date(),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRefused(f"unreadable checkout session: {exc}") from exc
