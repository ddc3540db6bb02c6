"""Signed hold webhooks: a row per event (outbox), a row per delivery attempt.

Body: JSON (UTF-8). Headers:

    X-Relance-Event: customer.credit_hold | customer.credit_release
    X-Relance-Timestamp: <unix seconds when sent>
    X-Relance-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

The receiver recomputes the HMAC over the timestamp, a dot and the raw body with
the creditor's secret, compares in constant time (`verify`), and refuses a
timestamp too far from its clock (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime
from typing import Any

from django.utils import timezone

from relance.risk import http
from relance.risk.models import WebhookAttempt, WebhookDelivery

#: A delivery is retried at each later call of `deliver_pending` until this many attempts.
MAX_ATTEMPTS = 10
#: Signatures older (or newer) than this are refused by `verify`.
TOLERANCE_SECONDS = 300

EVENT_HOLD = "customer.credit_hold"
EVENT_RELEASE = "customer.credit_release"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify(
    secret: str,
    body: bytes,
    timestamp_header: str,
    signature_header: str,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """True when the signature matches the body and the timestamp is recent."""
    try:
        timestamp = int(timestamp_header)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature_header.strip())


def queue(
    *,
    creditor_id: int,
    customer_id: int,
    url: str,
    event: str,
    payload: dict[str, Any],
) -> WebhookDelivery:
    """Store an event to deliver (call inside the transaction that changed the hold)."""
    body = json.dumps({"event": event, **payload}, sort_keys=True, ensure_ascii=False)
    return WebhookDelivery.objects.create(
        creditor_id=creditor_id, customer_id=customer_id, event=event, url=url, body=body
    )


def attempt(delivery: WebhookDelivery, secret: str, *, now: datetime | None = None) -> bool:
    """POST one delivery once, store the attempt; True when the receiver answered 2xx."""
    at = now or timezone.now()
    body = delivery.body.encode("utf-8")
    stamp = int(at.timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Relance-Event": delivery.event,
        "X-Relance-Timestamp": str(stamp),
        "X-Relance-Signature": sign(secret, stamp, body),
        "X-Relance-Delivery": str(delivery.pk),
    }
    started = time.perf_counter()
    status: int | None = None
    error = ""
    try:
        status = http.request("POST", delivery.url, body=body, headers=headers).status
    except http.HttpFailure as exc:
        status = exc.status
        error = str(exc)[:300]
    WebhookAttempt.objects.create(
        delivery=delivery,
        at=at,
        status_code=status,
        error=error,
        duration_ms=int((time.perf_counter() - started) * 1000),
    )
    if not error:
        delivery.delivered_at = at
        delivery.save(update_fields=["delivered_at"])
        return True
    return False


def deliver_pending(creditor_id: int, secret: str, *, limit: int = 100) -> int:
    """Try the undelivered events of a creditor, oldest first; returns how many got through."""
    delivered = 0
    pending = WebhookDelivery.objects.filter(creditor_id=creditor_id, delivered_at__isnull=True)
    for delivery in pending.order_by("created_at", "id")[:limit]:
        if delivery.attempts.count() >= MAX_ATTEMPTS:
            continue
        if attempt(delivery, secret):
            delivered += 1
        else:
            # The receiver is down or refuses: later events wait, keeping their order.
            break
    return delivered
