"""Brevo's inbound parsing webhook: payloads as Brevo posts them, attachments downloaded
from a real HTTP server standing in for Brevo's API."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client

from relance.channels.identity import reply_token_key
from relance.domain.reply_token import make_address
from relance.replies.models import MatchMethod, Reply, Status
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

URL = "/webhooks/brevo/inbound/"
SECRET = "brevo:s3cret-webhook"


class Files:
    """Serves GET /v3/inbound/attachments/<token> like Brevo's API (needs the api-key)."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        self.requests: list[tuple[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append((self.path, self.headers.get("api-key", "")))
                token = self.path.rsplit("/", 1)[-1]
                if self.headers.get("api-key") != "brevo-key" or token not in owner.files:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                content, mime = owner.files[token]
                self.send_response(200)
                self.send_header("Content-Type", mime)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v3/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api(settings: Any) -> Iterator[Files]:
    files = Files()
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    settings.RELANCE_BREVO_API_URL = files.url
    settings.RELANCE_BREVO_API_KEY = "brevo-key"
    yield files
    files.close()


def item(**changes: Any) -> dict[str, Any]:
    """One item of Brevo's inbound post (developers.brevo.com "parsed email payload")."""
    body: dict[str, Any] = {
        "Uuid": ["8f3a0e5c-3c1e-4b8e-9a55-1f6a2b7c9d10"],
        "MessageId": "<CAF=brevo-reply-1@mail.acme.example>",
        "InReplyTo": None,
        "From": {"Name": "Jeanne Martin", "Address": "compta@acme.example"},
        "To": [{"Name": None, "Address": "relances@durand.example"}],
        "Cc": [],
        "ReplyTo": None,
        "SentAtDate": "Mon, 31 Mar 2025 11:30:00 +0200",
        "Subject": "Re: Relance facture F-1",
        "Attachments": [],
        "Headers": {
            "Received": ["from mail.acme.example by mx.brevo.example", "by mail.acme.example"],
            "Message-ID": "<CAF=brevo-reply-1@mail.acme.example>",
            "From": "Jeanne Martin <compta@acme.example>",
            "To": "relances@durand.example",
            "Subject": "Re: Relance facture F-1",
            "Date": "Mon, 31 Mar 2025 11:30:00 +0200",
            "MIME-Version": "1.0",
            "Content-Type": 'multipart/alternative; boundary="000000000000abc"',
        },
        "SpamScore": 0.1,
        "ExtractedMarkdownMessage": "Nous réglerons le 15/04.",
        "ExtractedMarkdownSignature": None,
        "RawHtmlBody": '<div dir="ltr">Nous r&eacute;glerons le 15/04.</div>',
        "RawTextBody": "Nous réglerons le 15/04.\r\n",
    }
    body.update(changes)
    return body


def post(payload: Any, secret: str = SECRET) -> Any:
    auth = base64.b64encode(secret.encode()).decode()
    return Client().post(
        URL,
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )


def acme(ledger: Ledger) -> Any:
    customer = ledger.customer("ACME")
    ledger.contact(customer, "compta@acme.example")
    ledger.invoice(customer, "F-1", "100.00", issued="2025-03-01", due="2025-03-31")
    return customer


def test_a_reply_posted_by_brevo_is_stored_and_matched(ledger: Ledger, api: Files) -> None:
    customer = acme(ledger)
    answer = post({"items": [item()]})
    assert answer.status_code == 200
    reply = Reply.objects.get()
    assert answer.json() == {"replies": [{"reply": reply.pk, "created": True}]}
    assert reply.source == "brevo"
    assert reply.message_id == "<CAF=brevo-reply-1@mail.acme.example>"
    assert reply.customer == customer
    assert reply.status == Status.TO_HANDLE
    assert reply.text == "Nous réglerons le 15/04."
    assert reply.suggested == "promise"
    assert reply.suggested_fields["date"] == "2025-04-15"


def test_the_same_post_twice_is_stored_once(ledger: Ledger, api: Files) -> None:
    acme(ledger)
    post({"items": [item()]})
    again = post({"items": [item()]})
    assert again.json()["replies"][0]["created"] is False
    assert Reply.objects.count() == 1


def test_attachments_are_checked_before_they_are_downloaded(
    ledger: Ledger, api: Files, settings: Any
) -> None:
    acme(ledger)
    settings.RELANCE_REPLY_MAX_ATTACHMENT = 1000
    api.files["tok-pdf"] = (b"%PDF-1.4 avis de virement", "application/pdf")
    api.files["tok-big"] = (b"x" * 5000, "application/pdf")
    api.files["tok-liar"] = (b"x" * 5000, "application/pdf")
    attachments = [
        {"Name": "avis.pdf", "ContentType": "application/pdf", "ContentLength": 25,
         "ContentID": "", "DownloadToken": "tok-pdf"},
        {"Name": "scan.pdf", "ContentType": "application/pdf", "ContentLength": 5000,
         "ContentID": "", "DownloadToken": "tok-big"},
        {"Name": "facture.exe", "ContentType": "application/octet-stream", "ContentLength": 10,
         "ContentID": "", "DownloadToken": "tok-exe"},
        {"Name": "small.pdf", "ContentType": "application/pdf", "ContentLength": 10,
         "ContentID": "", "DownloadToken": "tok-liar"},
        {"Name": "gone.pdf", "ContentType": "application/pdf", "ContentLength": 10,
         "ContentID": "", "DownloadToken": "tok-gone"},
    ]  # fmt: skip
    assert post({"items": [item(Attachments=attachments)]}).status_code == 200
    reply = Reply.objects.get()
    rows = {a.name: (bool(a.file), a.refused) for a in reply.attachments.all()}
    assert rows["avis.pdf"] == (True, "")
    assert rows["scan.pdf"][1].startswith("larger than the limit")
    assert rows["facture.exe"][1].startswith("files of type .exe are not accepted")
    assert rows["small.pdf"][1].startswith("larger than the limit")  # said 10, sent 5000
    assert rows["gone.pdf"][1] == "could not be downloaded from the provider: HTTP 404"
    # only what passed the checks was asked for, with the API key
    assert sorted(p.rsplit("/", 1)[-1] for p, _k in api.requests) == [
        "tok-gone",
        "tok-liar",
        "tok-pdf",
    ]
    assert {key for _p, key in api.requests} == {"brevo-key"}
    with reply.attachments.get(name="avis.pdf").file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.4 avis de virement"


def test_a_reply_to_a_tracked_address(ledger: Ledger, api: Files) -> None:
    customer = acme(ledger)
    address = make_address(
        "relances@durand.example", ledger.creditor.pk, customer.pk, reply_token_key()
    )
    headers = dict(item()["Headers"], To=address, From="someone@gmail.example")
    post({"items": [item(Headers=headers)]})
    reply = Reply.objects.get()
    assert reply.customer == customer
    assert reply.match_method == MatchMethod.TOKEN


def test_headers_missing_from_the_post_are_taken_from_its_fields(
    ledger: Ledger, api: Files
) -> None:
    acme(ledger)
    headers = {"From": "compta@acme.example", "Subject": "Re: Relance"}
    post({"items": [item(Headers=headers, InReplyTo="<sent-1@relance.invalid>")]})
    reply = Reply.objects.get()
    assert reply.message_id == "<CAF=brevo-reply-1@mail.acme.example>"
    assert reply.in_reply_to == "<sent-1@relance.invalid>"


def test_posts_without_the_secret_are_refused(ledger: Ledger, api: Files, settings: Any) -> None:
    acme(ledger)
    assert post({"items": [item()]}, secret="brevo:wrong").status_code == 400
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    assert post({"items": [item()]}).status_code == 400
    assert not Reply.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"event": "delivered"},  # a tracking event sent to the inbound URL
        {"items": "nope"},
        {"items": [1, 2]},
        [],
        {"items": [{"Headers": {"From": "a@b.example"}, "Attachments": "x"}]},
    ],
)
def test_a_post_that_is_not_a_brevo_inbound_post_is_refused(
    ledger: Ledger, api: Files, body: Any
) -> None:
    acme(ledger)
    answer = post(body)
    assert answer.status_code == 400
    assert b"not a Brevo inbound post" in answer.content
    assert not Reply.objects.exists()


def test_a_body_that_is_not_json(ledger: Ledger, api: Files) -> None:
    auth = base64.b64encode(SECRET.encode()).decode()
    answer = Client().post(
        URL, b"\xff\xfe", content_type="application/json", HTTP_AUTHORIZATION=f"Basic {auth}"
    )
    assert answer.status_code == 400
