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


def test_receiver_down_keeps_the_event_for_later(ledger: Ledger) -> None:
    with Receiver() as r:
        url = r.url
    _configure(ledger, url)  # nobody listens there any more
    acme = ledger.customer("ACME SAS")
    set_override(acme, hold=True, reason="procédure collective", as_of=AS_OF)
    delivery = WebhookDelivery.objects.get()
    assert delivery.delivered_at is None
    assert delivery.attempts.get().error.startswith("network error")
    with Receiver() as again:
        RiskSettings.objects.filter(creditor=ledger.creditor).update(webhook_url=again.url)
        WebhookDelivery.objects.update(url=again.url)
        assert webhooks.deliver_pending(ledger.creditor.pk, SECRET) == 1
        assert [x["ok"] for x in again.received] == [True]


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
