"""The email backend against a real SMTP server: one connection kept, reopened when dropped."""

from __future__ import annotations

from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from relance.channels.base import Outbound, PermanentError, TransientError
from relance.channels.email.backend import EmailBackend
from relance.channels.email.sink import Sink, free_port, smtp_settings


@pytest.fixture
def port(settings: Any) -> int:
    number = free_port()
    for name, value in smtp_settings(number).items():
        setattr(settings, name, value)
    return number


def message(n: int) -> Outbound:
    return Outbound("email", f"key-{n}", f"to{n}@client.example", "", "Subject", "Body")


def test_one_connection_for_many_messages_and_a_new_one_when_dropped(port: int) -> None:
    inbox = Sink()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    backend = EmailBackend()
    try:
        backend.send(message(1))
        backend.send(message(2))
        assert len(inbox.sessions) == 1  # the same SMTP session carried both
        server.stop()  # the server goes away: the kept connection is dead
        server = Controller(inbox, hostname="127.0.0.1", port=port)
        server.start()
        backend.send(message(3))  # reopened transparently
    finally:
        backend.close()
        server.stop()
    assert inbox.recipients == ["to1@client.example", "to2@client.example", "to3@client.example"]
    assert len(inbox.sessions) == 2


def test_no_server_is_a_transient_error(port: int) -> None:
    backend = EmailBackend()
    with pytest.raises(TransientError):
        backend.send(message(1))
    backend.close()


def test_a_recipient_refused_for_good_is_permanent_and_for_now_transient(port: int) -> None:
    inbox = Sink()
    inbox.refuse.add("to1@client.example")  # 550: no such mailbox
    inbox.defer.add("to2@client.example")  # 451: greylisted, the next try gets through
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    backend = EmailBackend()
    try:
        with pytest.raises(PermanentError, match="550"):
            backend.send(message(1))
        with pytest.raises(TransientError, match="451"):
            backend.send(message(2))
        inbox.defer.clear()
        backend.send(message(2))
    finally:
        backend.close()
        server.stop()
    assert inbox.recipients == ["to2@client.example"]


def only_relance(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    """The SMTP server's only account: login `relance`, any password."""
    ok = getattr(auth_data, "login", b"") in (b"relance", "relance")
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


def test_a_refused_sender_or_login_is_transient_the_account_must_be_fixed(
    port: int, settings: Any
) -> None:
    inbox = Sink()
    inbox.refuse_senders.add("relances@atelier.example")
    server = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        auth_require_tls=False,
        authenticator=only_relance,
    )
    server.start()
    backend = EmailBackend()
    try:
        sender = Outbound(
            "email",
            "key-s",
            "to@client.example",
            "",
            "Subject",
            "Body",
            sender_email="relances@atelier.example",
        )
        with pytest.raises(
            TransientError, match=r"sender 'relances@atelier\.example' refused: 553"
        ):
            backend.send(sender)
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "someone-else", "secret"
        with pytest.raises(TransientError, match="login refused: 535"):
            backend.send(message(1))
        settings.EMAIL_HOST_USER = "relance"
        backend.send(message(2))
    finally:
        backend.close()
        server.stop()
    assert inbox.recipients == ["to2@client.example"]
