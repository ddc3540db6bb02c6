"""The local payment provider: a hosted page served by relance itself (demo and tests).

`create_checkout` returns the address of the portal's own "test payment" page; its Pay
button builds the notification a real provider would send — a JSON event signed with an
HMAC keyed by SECRET_KEY in the `X-Relance-Signature` header — and hands it to the same
webhook code path as a real provider's (`services.handle_webhook`). Nothing leaves the
machine and no money moves: never enable it in production (RELANCE_PAYMENT_PROVIDER=local).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import date, datetime

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from relance.portal.payments.base import (
    CheckoutRequest,
    ConfirmedPayment,
    HostedCheckout,
    WebhookRefused,
)

HEADER = "X-Relance-Signature"
_SALT = "relance.portal.local-provider"


def sign(body: bytes) -> str:
    return salted_hmac(_SALT, body, algorithm="sha256").hexdigest()


def paid_event(provider_ref: str, amount_minor: int, currency: str, on: date) -> bytes:
    """The notification of a payment made on the local hosted page."""
    return json.dumps(
        {
            "type": "payment.succeeded",
            "checkout": provider_ref,
            "payment": f"{provider_ref}-paid",
            "amount": amount_minor,
            "currency": currency,
            "paid_on": on.isoformat(),
        },
        sort_keys=True,
    ).encode("utf-8")


class LocalProvider:
    name = "local"

    def create_checkout(self, request: CheckoutRequest) -> HostedCheckout:
        ref = f"local_{request.reference}"
        path = reverse("portal:local_checkout", args=[ref])
        return HostedCheckout(ref, f"{settings.RELANCE_PORTAL_URL}{path}")

    def verify_webhook(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> ConfirmedPayment | None:
        given = headers.get(HEADER, "")
        if not given or not hmac.compare_digest(given, sign(body)):
            raise WebhookRefused("bad signature")
        try:
            event = json.loads(body.decode("utf-8"))
            if event["type"] != "payment.succeeded":
                return None
            return ConfirmedPayment(
                provider_ref=str(event["checkout"]),
                payment_id=str(event["payment"]),
                amount_minor=int(event["amount"]),
                currency=str(event["currency"]).upper(),
                paid_on=date.fromisoformat(event["paid_on"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRefused(f"unreadable event: {exc}") from exc
