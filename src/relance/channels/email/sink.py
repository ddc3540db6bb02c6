"""A local SMTP server's handler that keeps what it receives, for tests and benchmarks.

    sink = Sink()
    server = aiosmtpd.controller.Controller(sink, hostname="127.0.0.1", port=port)

`smtp_settings(port)` are the Django settings that send email to it.
"""

from __future__ import annotations

import email
import socket
from email.message import Message
from typing import Any


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def smtp_settings(port: int) -> dict[str, Any]:
    """Django settings sending every email through SMTP to 127.0.0.1:`port`."""
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_TIMEOUT": 5,
        "RELANCE_CHANNELS": "email=email",
    }


class Sink:
    """aiosmtpd handler: keeps messages, recipients and sessions; refuses listed addresses
    for good (`refuse`: 550) or for now (`defer`: 451, as a greylisting server does), and
    listed senders (`refuse_senders`: 553)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[str] = []
        self.sessions: set[int] = set()
        self.refuse: set[str] = set()
        self.defer: set[str] = set()
        self.refuse_senders: set[str] = set()

    @property
    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse_senders:
            return "553 5.7.1 sender address not allowed"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        if address in self.defer:
            return "451 4.7.1 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        self.recipients.extend(envelope.rcpt_tos)
        self.sessions.add(id(session))
        return "250 Message accepted"
