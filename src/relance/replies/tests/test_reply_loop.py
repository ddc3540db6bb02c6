"""The whole loop through a real SMTP server: a reminder goes out with a tracked Reply-To,
the debtor answers it, the answer comes back matched to the customer."""

from __future__ import annotations

from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from relance.channels.email.sink import Sink, free_port, smtp_settings
from relance.channels.identity import reply_token_key
from relance.channels.models import SenderIdentity
from relance.channels.tests.helpers import customer, send_step
from relance.domain.reply_token import make_address
from relance.replies.models import MatchMethod, Status
from relance.replies.services import ingest
from relance.replies.tests.helpers import email
from relance.testing import Ledger

pytestmark = pytest.mark.django_db


def sent_through_smtp(ledger: Ledger) -> tuple[Message, Any]:
    inbox = Sink()
    port = free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        with override_settings(**smtp_settings(port)):
            copy = send_step(ledger, "email")
    finally:
        server.stop()
    [message] = inbox.messages
    return message, copy


def test_reminders_carry_a_tracked_reply_to_and_the_answer_comes_back(ledger: Ledger) -> None:
    acme = customer(ledger)
    SenderIdentity.objects.create(creditor=ledger.creditor, reply_address="relances@durand.example")
    message, _copy = sent_through_smtp(ledger)
    reply_to = str(message["Reply-To"])
    assert reply_to == make_address(
        "relances@durand.example", ledger.creditor.pk, acme.pk, reply_token_key()
    )
    assert reply_to.startswith("relances+r-") and reply_to.endswith("@durand.example")
    # the debtor's assistant answers from an address relance does not know
    raw = email(sender="assistant@gmail.example", to=reply_to, text="Nous contestons F-1.")
    reply = ingest(raw, source="imap").reply
    assert reply.customer == acme
    assert reply.match_method == MatchMethod.TOKEN
    assert reply.status == Status.TO_HANDLE
    assert reply.suggested == "dispute"


def test_without_a_reply_address_the_reply_to_is_unchanged_and_the_thread_matches(
    ledger: Ledger,
) -> None:
    acme = customer(ledger)
    ledger.creditor.email = "compta@durand.example"
    ledger.creditor.save()
    message, copy = sent_through_smtp(ledger)
    assert str(message["Reply-To"]) == "compta@durand.example"
    raw = email(
        sender="boss@other.example",
        to="compta@durand.example",
        in_reply_to=str(message["Message-ID"]),
        text="Le paiement a été effectué le 28/03.",
    )
    reply = ingest(raw, source="imap").reply
    assert reply.customer == acme
    assert reply.match_method == MatchMethod.THREAD
    assert reply.correspondence == copy
    assert reply.suggested == "payment_made"
    assert reply.suggested_fields["date"] == "2025-03-28"
