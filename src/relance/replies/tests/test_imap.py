"""Polling a real IMAP server (Dovecot on a loopback port): stored, then marked or moved.

Skipped with a message when Dovecot is not installed (`apt-get install dovecot-imapd`);
`.ci/run` installs it and sets RELANCE_REQUIRE_IMAP=1, which makes a skip a failure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from relance.cli import app
from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.replies import imap
from relance.replies.imap import ImapError, config_from_url, poll, poll_if_due
from relance.replies.models import Reply, Status
from relance.replies.services import ingest
from relance.replies.tests.helpers import email
from relance.replies.tests.imap_server import Dovecot, available
from relance.testing import Ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def server() -> Iterator[Dovecot]:
    if not available():
        message = "Dovecot is not installed (apt-get install dovecot-imapd): IMAP tests skipped"
        if os.environ.get("RELANCE_REQUIRE_IMAP"):
            pytest.fail(message)
        pytest.skip(message)
    with Dovecot() as running:
        yield running


def customer(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    ledger.contact(acme, "compta@acme.example")
    ledger.invoice(acme, "F-1", "100.00", issued="2025-03-01", due="2025-03-31")


def test_poll_stores_then_marks_seen_and_a_second_poll_finds_nothing(
    ledger: Ledger, server: Dovecot
) -> None:
    customer(ledger)
    server.deliver(email(message_id="<one@acme.example>"))
    server.deliver(
        email(
            message_id="<two@acme.example>",
            attachments=[("avis.pdf", "application/pdf", b"%PDF-1.4 avis")],
        )
    )
    report = poll(config_from_url(server.url))
    assert (report.seen, report.stored, report.duplicates, report.failed) == (2, 2, 0, [])
    assert sorted(Reply.objects.values_list("message_id", flat=True)) == [
        "<one@acme.example>",
        "<two@acme.example>",
    ]
    assert Reply.objects.get(message_id="<two@acme.example>").attachments.get().name == "avis.pdf"
    assert all("\\Seen" in flags for _mid, flags in server.flags())
    again = poll(config_from_url(server.url))
    assert (again.seen, again.stored) == (0, 0)


def test_a_message_stored_before_a_crash_is_recognised_and_then_marked(
    ledger: Ledger, server: Dovecot
) -> None:
    customer(ledger)
    raw = email(message_id="<crash@acme.example>")
    ingest(raw, source="imap")  # committed, then the poller died before marking it
    server.deliver(raw)
    report = poll(config_from_url(server.url))
    assert (report.stored, report.duplicates) == (0, 1)
    assert Reply.objects.count() == 1
    [(mid, flags)] = server.flags()
    assert mid == "<crash@acme.example>"
    assert "\\Seen" in flags


def test_a_message_that_cannot_be_stored_stays_unseen(ledger: Ledger, server: Dovecot) -> None:
    customer(ledger)
    Creditor.objects.create(legal_name="Autre SARL")  # two creditors, nothing says which
    server.deliver(email(sender="x@unknown.example", to="n@nowhere.example", message_id="<u@x>"))
    report = poll(config_from_url(server.url))
    assert report.stored == 0
    [(_uid, reason)] = report.failed
    assert "RELANCE_REPLIES_CREDITOR" in reason
    [(mid, flags)] = server.flags()
    assert mid == "<u@x>"
    assert "\\Seen" not in flags
    assert not Reply.objects.exists()
    # the creditor given for the mailbox: stored at the next poll
    assert poll(config_from_url(server.url), creditor=ledger.creditor).stored == 1


@pytest.mark.parametrize("move", [True, False], ids=["MOVE", "COPY and EXPUNGE"])
def test_messages_are_moved_after_they_are_stored(
    ledger: Ledger, server: Dovecot, move: bool, monkeypatch: Any
) -> None:
    refresh = imap._refresh_capabilities

    def checked(client: Any) -> None:
        refresh(client)
        assert "MOVE" in client.capabilities  # Dovecot lists it once logged in
        if not move:  # as a server without MOVE nor UIDPLUS
            client.capabilities = tuple(
                c for c in client.capabilities if c not in ("MOVE", "UIDPLUS")
            )

    monkeypatch.setattr(imap, "_refresh_capabilities", checked)
    customer(ledger)
    server.create("Processed")
    server.deliver(email(message_id="<m@acme.example>"))
    report = poll(config_from_url(server.url + "&move=Processed"))
    assert report.stored == 1
    assert server.flags() == []
    [(moved, flags)] = server.flags("Processed")
    assert moved == "<m@acme.example>"
    assert "\\Seen" in flags


def test_an_oversized_message_is_kept_by_its_headers(
    ledger: Ledger, server: Dovecot, settings: Any
) -> None:
    customer(ledger)
    settings.RELANCE_REPLY_MAX_MESSAGE = 2000
    server.deliver(
        email(
            message_id="<big@acme.example>",
            attachments=[("scan.pdf", "application/pdf", b"x" * 5000)],
        )
    )
    assert poll(config_from_url(server.url)).stored == 1
    reply = Reply.objects.get()
    assert reply.subject == "Re: Relance facture F-1"
    assert reply.status == Status.TO_HANDLE
    assert any("only its headers were kept" in p for p in reply.problems)
    assert not reply.attachments.exists()


def test_a_wrong_password_or_folder_is_a_clear_error(ledger: Ledger, server: Dovecot) -> None:
    with pytest.raises(ImapError, match=r"127\.0\.0\.1"):
        poll(config_from_url(server.url.replace("s3cret-imap", "wrong")))
    with pytest.raises(ImapError, match="folder Nowhere"):
        poll(config_from_url(server.url.replace("/INBOX", "/Nowhere")))


def test_starttls_is_required_unless_refused_explicitly(ledger: Ledger, server: Dovecot) -> None:
    with pytest.raises(ImapError, match="does not offer STARTTLS"):
        poll(config_from_url(server.url.replace("?tls=none", "")))


def test_the_command_and_the_worker_hook(
    ledger: Ledger, server: Dovecot, settings: Any, monkeypatch: Any
) -> None:
    customer(ledger)
    settings.RELANCE_IMAP_URL = server.url
    server.deliver(email(message_id="<cli@acme.example>"))
    result = CliRunner().invoke(app, ["replies", "poll", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"seen": 1, "stored": 1, "duplicates": 0, "failed": []}
    server.deliver(email(message_id="<worker@acme.example>"))
    monkeypatch.setattr(imap, "_last_poll", [])
    assert poll_if_due(now=1000.0) == 1
    server.deliver(email(message_id="<later@acme.example>"))
    assert poll_if_due(now=1001.0) == 0  # not due yet
    assert poll_if_due(now=1000.0 + settings.RELANCE_IMAP_POLL_SECONDS) == 1
    settings.RELANCE_IMAP_URL = server.url.replace("s3cret-imap", "wrong")
    assert poll_if_due(now=10_000.0) == 0  # logged, never raised


def test_the_command_without_a_mailbox(ledger: Ledger, settings: Any) -> None:
    settings.RELANCE_IMAP_URL = ""
    result = CliRunner().invoke(app, ["replies", "poll"])
    assert result.exit_code == 2
    assert "RELANCE_IMAP_URL is not set" in result.output


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("pop3://u:p@h/INBOX", "expected imaps://"),
        ("imaps:///INBOX", "no host"),
        ("imaps://host/INBOX", "user and password are needed"),
        ("imaps://u:p@h/INBOX?tls=none", "makes no sense"),
        ("imap://u:p@h/INBOX?tls=maybe", "only the value none"),
        ("imap://u:p@h/INBOX?colour=red", "unknown option colour"),
        ("imaps://u:p@h:99999/INBOX", "RELANCE_IMAP_URL"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        config_from_url(url)


def test_a_good_url() -> None:
    config = config_from_url(
        "imaps://me%40durand.example:p%40ss@imap.example:993/Relances%20recues"
    )
    assert (config.user, config.password, config.mailbox, config.tls, config.port) == (
        "me@durand.example",
        "p@ss",
        "Relances recues",
        "ssl",
        993,
    )
    assert config_from_url("imap://u:p@h/?move=Done").tls == "starttls"
    assert config_from_url("imap://u:p@h/?move=Done").mailbox == "INBOX"
