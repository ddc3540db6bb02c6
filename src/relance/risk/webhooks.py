"""Signed hold webhooks: a row per event (outbox), a row per delivery attempt.

Body: JSON (UTF-8). Headers:

    X-Relance-Event: customer.credit_hold | customer.credit_release
    X-Relance-Timestamp: <unix seconds when sent>
    X-Relance-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

The receiver recomputes the HMAC over the timestamp, a dot and the raw body with
the creditor's secret, compares in constant time (`verify`), and refuses a
timestamp too far from its clock (replays).

Delivery is at least once, in order per creditor: an event is tried when it is
queued (`deliver_pending`, called by the change that made it), then, while it is not
delivered, by the worker's task (`retry_due`, relance.risk.tasks) at growing intervals
(BACKOFF) up to MAX_ATTEMPTS; later events of the same creditor wait behind it, so a
release never overtakes its hold. An attempt is claimed first (its due time pushed
forward in one conditional UPDATE), so two workers never post the same attempt; a
worker that dies mid-post leaves the claim to expire and the attempt is made again —
receivers tell repeats by `X-Relance-Delivery`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from relance.risk import http
from relance.risk.models import RiskSettings, WebhookAttempt, WebhookDelivery

#: A delivery is given up after this many attempts (it stays on record, undelivered).
MAX_ATTEMPTS = 10
#: The wait after the 1st, 2nd… failed attempt (the last value repeats): about 2 days in all.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
    timedelta(hours=8),
    timedelta(hours=12),
    timedelta(hours=24),
)
#: How long a claimed attempt holds before another worker may make it (posts time out in 5 s).
CLAIM = timedelta(minutes=1)
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
        creditor_id=creditor_id,
        customer_id=customer_id,
        event=event,
        url=url,
        body=body,
        next_attempt_at=timezone.now(),
    )


def backoff(attempts: int) -> timedelta:
    """The wait after `attempts` failed attempts."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def attempt(delivery: WebhookDelivery, secret: str, *, now: datetime | None = None) -> bool:
    """POST one delivery once, store the attempt and schedule the next one; True when the
    receiver answered 2xx. `now` is the time on record and for the schedule; the signature
    always carries the real time (the receiver checks it against its clock)."""
    at = now or timezone.now()
    body = delivery.body.encode("utf-8")
    stamp = int(timezone.now().timestamp())
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
        delivery.next_attempt_at = None
        delivery.save(update_fields=["delivered_at", "next_attempt_at"])
        return True
    tried = delivery.attempts.count()
    delivery.next_attempt_at = None if tried >= MAX_ATTEMPTS else at + backoff(tried)
    delivery.save(update_fields=["next_attempt_at"])
    return False


def _claim(delivery: WebhookDelivery, at: datetime) -> bool:
    """Take the delivery's due attempt (False: another worker took it first)."""
    return (
        WebhookDelivery.objects.filter(
            pk=delivery.pk, delivered_at__isnull=True, next_attempt_at=delivery.next_attempt_at
        ).update(next_attempt_at=at + CLAIM)
        == 1
    )


def deliver_pending(
    creditor_id: int, secret: str, *, now: datetime | None = None, limit: int = 100
) -> int:
    """Try the creditor's undelivered events that are due, oldest first; returns how many
    got through. The oldest one not given up comes first: while it waits for its next
    attempt, or fails again, the later ones wait behind it (their order is kept)."""
    at = now or timezone.now()
    delivered = 0
    pending = WebhookDelivery.objects.filter(
        creditor_id=creditor_id, delivered_at__isnull=True, next_attempt_at__isnull=False
    ).order_by("created_at", "id")
    for delivery in pending[:limit]:
        assert delivery.next_attempt_at is not None
        if delivery.next_attempt_at > at or not _claim(delivery, at):
            break
        if not attempt(delivery, secret, now=at):
            break  # the receiver is down or refuses
        delivered += 1
    return delivered


def _due(at: datetime) -> Q:
    return Q(delivered_at__isnull=True, next_attempt_at__lte=at)


def _configured() -> Q:
    """Creditors whose webhook can be signed and sent."""
    return ~Q(webhook_url="") & ~Q(webhook_secret="")


def due(now: datetime | None = None) -> bool:
    """Whether some creditor's webhook has an attempt due (cheap: the worker asks each pass)."""
    at = now or timezone.now()
    creditors = RiskSettings.objects.filter(_configured()).values("creditor_id")
    return WebhookDelivery.objects.filter(_due(at), creditor_id__in=creditors).exists()


def retry_due(now: datetime | None = None) -> dict[str, int]:
    """Make the attempts that are due, creditor by creditor (the worker's scheduled task).

    Returns how many events got through, and how many are still waiting or given up."""
    at = now or timezone.now()
    secrets = dict(
        RiskSettings.objects.filter(_configured()).values_list("creditor_id", "webhook_secret")
    )
    creditors = (
        WebhookDelivery.objects.filter(_due(at), creditor_id__in=list(secrets))
        .values_list("creditor_id", flat=True)
        .distinct()
    )
    delivered = 0
    for creditor_id in sorted(set(creditors)):
        delivered += deliver_pending(creditor_id, secrets[creditor_id], now=at)
    undelivered = WebhookDelivery.objects.filter(delivered_at__isnull=True)
    return {
        "delivered": delivered,
        "waiting": undelivered.filter(next_attempt_at__isnull=False).count(),
        "given_up": undelivered.filter(next_attempt_at__isnull=True).count(),
    }
