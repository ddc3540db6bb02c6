"""Hold webhooks received by a real HTTP server on 127.0.0.1 that checks the signature."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from relance.risk import webhooks
from relance.risk.models import RiskSettings, WebhookAttempt, WebhookDelivery
from relance.risk.services import recompute, risk_settings, set_override
from relance.testing import Ledger

SECRET = "whsec-test-0123456789"
AS_OF = date(2025, 12, 31)


class Receiver:
    """A local HTTP server that verifies each signature as an integrator would."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = webhooks.verify(
                    SECRET,
                    body,
                    self.headers.get("X-Relance-Timestamp", ""),
                    self.headers.get("X-Relance-Signature", ""),
                )
                receiver.received.append(
                    {"ok": ok, "event": self.headers["X-Relance-Event"], "body": json.loads(body)}
                )
                self.send_response(receiver.status if ok else 401)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/relance"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def _configure(led: Ledger, url: str, secret: str = SECRET) -> None:
    risk_settings(led.creditor.pk)
    RiskSettings.objects.filter(creditor=led.creditor).update(
        webhook_url=url, webhook_secret=secret
    )


def test_hold_and_release_are_delivered_signed(ledger: Ledger, receiver: Receiver) -> None:
    _configure(ledger, receiver.url)
    acme = ledger.customer("ACME SAS", customer_since=date(2024, 1, 1))
    ledger.invoice(acme, "F-1", "500.00", issued="2025-09-01", due="2025-10-01")  # 91 days
    first = recompute(ledger.creditor, AS_OF)
    assert first.held == [acme.pk]
    assert [r["ok"] for r in receiver.received] == [True]
    hold = receiver.received[0]
    assert hold["event"] == "customer.credit_hold"
    assert hold["body"]["customer"]["id"] == acme.pk
    assert hold["body"]["on_hold"] is True
    assert hold["body"]["reasons"][0]["code"] == "overdue_days"
    # Nothing changed: nothing sent.
    recompute(ledger.creditor, AS_OF)
    assert len(receiver.received) == 1
    set_override(acme, hold=False, reason="accord du directeur financier", as_of=AS_OF)
    assert [r["event"] for r in receiver.received] == [
        "customer.credit_hold",
        "customer.credit_release",
    ]
    assert all(r["ok"] for r in receiver.received)
    assert WebhookDelivery.objects.filter(delivered_at__isnull=False).count() == 2
    assert WebhookAttempt.objects.filter(status_code=200).count() == 2


def test_a_wrong_secret_is_refused_by_the_receiver(ledger: Ledger, receiver: Receiver) -> None:
    _configure(ledger, receiver.url, secret="not-the-receivers-secret")
    acme = ledger.customer("ACME SAS")
    set_override(acme, hold=True, reason="procédure collective", as_of=AS_OF)
    assert [r["ok"] for r in receiver.received] == [False]
    delivery = WebhookDelivery.objects.get()
    assert delivery.delivered_at is None
    attempt = delivery.attempts.get()
    assert (attempt.status_code, attempt.error) == (401, "HTTP 401")


def _down_url() -> str:
    with Receiver() as r:
        return r.url  # nobody listens there any more


def test_receiver_down_keeps_the_event_for_the_scheduled_retry(ledger: Ledger) -> None:
    _configure(ledger, _down_url())
    acme = ledger.customer("ACME SAS")
    set_override(acme, hold=True, reason="procédure collective", as_of=AS_OF)
    delivery = WebhookDelivery.objects.get()
    assert delivery.delivered_at is None
    first = delivery.attempts.get()
    assert first.error.startswith("network error")
    assert delivery.next_attempt_at == first.at + timedelta(minutes=1)
    with Receiver() as again:
        WebhookDelivery.objects.update(url=again.url)
        # Not due yet: nothing is posted, whoever asks (the task, or a later recompute).
        early = webhooks.retry_due(now=first.at + timedelta(seconds=30))
        assert early == {"delivered": 0, "waiting": 1, "given_up": 0}
        recompute(ledger.creditor, AS_OF)
        assert again.received == []
        done = webhooks.retry_due(now=first.at + timedelta(minutes=1, seconds=1))
        assert done == {"delivered": 1, "waiting": 0, "given_up": 0}
        assert [x["ok"] for x in again.received] == [True]  # signed with the real time
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    assert delivery.attempts.count() == 2


def test_retries_back_off_then_stop_after_the_last_attempt(ledger: Ledger) -> None:
    with Receiver(status=503) as busy:
        _configure(ledger, busy.url)
        acme = ledger.customer("ACME SAS")
        set_override(acme, hold=True, reason="procédure collective", as_of=AS_OF)
        delivery = WebhookDelivery.objects.get()
        waits = []
        while delivery.next_attempt_at is not None:
            last = delivery.attempts.order_by("-at", "-id").first()
            assert last is not None and last.status_code == 503
            waits.append(delivery.next_attempt_at - last.at)
            assert webhooks.retry_due(now=delivery.next_attempt_at - timedelta(seconds=1)) == {
                "delivered": 0,
                "waiting": 1,
                "given_up": 0,
            }
            webhooks.retry_due(now=delivery.next_attempt_at)
            delivery.refresh_from_db()
        assert len(busy.received) == webhooks.MAX_ATTEMPTS == 10
    assert waits == [webhooks.backoff(n) for n in range(1, 10)]
    assert waits[:3] == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15)]
    assert sum(waits, timedelta()) < timedelta(days=3)
    later = delivery.created_at + timedelta(days=365)
    assert webhooks.retry_due(now=later) == {"delivered": 0, "waiting": 0, "given_up": 1}
    assert not webhooks.due(later)
    assert delivery.attempts.count() == 10 and delivery.delivered_at is None


def test_later_events_wait_behind_the_first_one(ledger: Ledger) -> None:
    _configure(ledger, _down_url())
    acme = ledger.customer("ACME SAS")
    set_override(acme, hold=True, reason="procédure collective", as_of=AS_OF)
    set_override(acme, hold=False, reason="plan de continuation", as_of=AS_OF)
    hold, release = WebhookDelivery.objects.order_by("created_at", "id")
    assert hold.attempts.count() == 1 and release.attempts.count() == 0  # waits behind it
    assert webhooks.due(hold.created_at + timedelta(minutes=2))
    with Receiver() as again:
        WebhookDelivery.objects.update(url=again.url)
        result = webhooks.retry_due(now=hold.created_at + timedelta(minutes=2))
        assert result["delivered"] == 2
        assert [x["event"] for x in again.received] == [
            "customer.credit_hold",
            "customer.credit_release",
        ]


def test_an_attempt_claimed_by_another_worker_is_not_posted_twice(
    ledger: Ledger, receiver: Receiver
) -> None:
    _configure(ledger, receiver.url)
    acme = ledger.customer("ACME SAS")
    delivery = webhooks.queue(
        creditor_id=ledger.creditor.pk,
        customer_id=acme.pk,
        url=receiver.url,
        event=webhooks.EVENT_HOLD,
        payload={"on_hold": True},
    )
    now = delivery.created_at + timedelta(seconds=1)
    assert webhooks._claim(delivery, now)  # another worker is posting it
    assert not webhooks._claim(delivery, now)  # the claim holds
    assert webhooks.retry_due(now=now)["delivered"] == 0
    assert receiver.received == []
    # that worker died: once the claim has expired the attempt is made again
    assert webhooks.retry_due(now=now + webhooks.CLAIM)["delivered"] == 1
    assert len(receiver.received) == 1


def test_a_creditor_without_secret_is_not_retried(ledger: Ledger, receiver: Receiver) -> None:
    _configure(ledger, receiver.url, secret="")
    acme = ledger.customer("ACME SAS")
    webhooks.queue(
        creditor_id=ledger.creditor.pk,
        customer_id=acme.pk,
        url=receiver.url,
        event=webhooks.EVENT_HOLD,
        payload={"on_hold": True},
    )
    assert not webhooks.due()
    assert webhooks.retry_due()["delivered"] == 0 and receiver.received == []


def test_verify_refuses_old_or_tampered_messages() -> None:
    body = b'{"event": "customer.credit_hold"}'
    stamp = 1_700_000_000
    signature = webhooks.sign(SECRET, stamp, body)
    assert webhooks.verify(SECRET, body, str(stamp), signature, now=stamp + 10)
    assert not webhooks.verify(SECRET, body + b" ", str(stamp), signature, now=stamp)
    assert not webhooks.verify(SECRET, body, str(stamp + 1), signature, now=stamp)
    assert not webhooks.verify(SECRET, body, str(stamp), signature, now=stamp + 301)
    assert not webhooks.verify(SECRET, body, "yesterday", signature, now=stamp)
    assert not webhooks.verify("other", body, str(stamp), signature, now=stamp)
    assert timedelta(seconds=webhooks.TOLERANCE_SECONDS) == timedelta(minutes=5)


def test_the_worker_retries_on_its_schedule(ledger: Ledger) -> None:
    from django_tasks_db.models import DBTaskResult

    from relance.worker import run_pass

    _configure(ledger, _down_url())
    acme = ledger.customer("ACME SAS")
    set_override(acme, hold=True, reason="procédure collective", as_of=AS_OF)
    delivery = WebhookDelivery.objects.get()
    assert run_pass().ran == []  # not due yet: no task enqueued
    assert not DBTaskResult.objects.exists()
    with Receiver() as again:
        WebhookDelivery.objects.update(url=again.url, next_attempt_at=delivery.created_at)
        result = run_pass()  # a minute later, as far as the schedule is concerned
        assert [(r.name, r.value) for r in result.ran] == [
            ("retry_risk_webhooks", {"delivered": 1, "waiting": 0, "given_up": 0})
        ]
        assert [x["event"] for x in again.received] == ["customer.credit_hold"]
    assert run_pass().ran == []
