"""A local HTTP server playing Stripe's Checkout API (the tests' Stripe), and the events
Stripe sends: `POST /v1/checkout/sessions` answered with the shapes Stripe answers, every
request kept (headers and form) to check what relance sent."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

#: the install-wide Stripe credentials of the tests (settings RELANCE_STRIPE_*)
SECRET_KEY = "sk_test_relance"
WHSEC = "whsec_test_relance"


class FakeStripe:
    """POST /v1/checkout/sessions answered as Stripe does (or with a scripted error)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, list[str]]]] = []
        self.error: tuple[int, dict[str, Any]] | None = None
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.requests.append(
                    ({k.lower(): v for k, v in self.headers.items()}, parse_qs(body.decode()))
                )
                if owner.error is not None:
                    status, answer = owner.error
                else:
                    n = len(owner.requests)
                    form = owner.requests[-1][1]
                    status, answer = (
                        200,
                        {
                            "id": f"cs_test_{n:04d}",
                            "object": "checkout.session",
                            "url": f"https://checkout.stripe.com/c/pay/cs_test_{n:04d}",
                            "status": "open",
                            "payment_status": "unpaid",
                            "mode": "payment",
                            "amount_total": int(form["line_items[0][price_data][unit_amount]"][0]),
                            "currency": form["line_items[0][price_data][currency]"][0],
                            "client_reference_id": form["client_reference_id"][0],
                        },
                    )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def completed(session_id: str, amount: int, kind: str = "checkout.session.completed") -> bytes:
    return json.dumps(
        {
            "id": "evt_1",
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "livemode": False,
            "data": {
                "object": {
                    "id": session_id,
                    "object": "checkout.session",
                    "amount_total": amount,
                    "currency": "eur",
                    "payment_status": "paid",
                    "payment_intent": "pi_3Abc",
                    "status": "complete",
                }
            },
        }
    ).encode()
