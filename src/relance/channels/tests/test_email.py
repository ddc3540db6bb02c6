"""The email backend against a real SMTP server: one connection kept, reopened when dropped."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from relance.channels.base import Outbound, TransientError
from relance.channels.email.backend import EmailBackend


class Inbox:
    def __init__(self) -> None:
        self.recipients: list[str] = []
        self.sessions: set[int] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients.extend(envelope.rcpt_tos)
        self.sessions.add(id(session))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def port(settings: Any) -> int:
    number = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", number
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return number


def message(n: int) -> Outbound:
    return Outbound("email", f"key-{n}", f"to{n}@client.example", "", "Subject", "Body")


def test_one_connection_for_many_messages_and_a_new_one_when_dropped(port: int) -> None:
    inbox = Inbox()
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
