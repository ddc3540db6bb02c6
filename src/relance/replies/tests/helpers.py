"""Inbound emails for the tests, built with the standard library as a mail client would."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from django.conf import settings

SENT = datetime(2025, 3, 31, 9, 30, tzinfo=UTC)


def email(
    *,
    sender: str = "Jeanne Martin <compta@acme.example>",
    to: str = "relances@durand.example",
    subject: str = "Re: Relance facture F-1",
    text: str = "Bonjour, nous réglerons la facture le 15/04.",
    html: str | None = None,
    message_id: str | None = "<reply-1@acme.example>",
    in_reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    date: datetime = SENT,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for name, mime, content in attachments or []:
        main, sub = mime.split("/", 1)
        msg.add_attachment(content, maintype=main, subtype=sub, filename=name)
    return msg.as_bytes()


def limit() -> int:
    return int(settings.RELANCE_REPLY_MAX_ATTACHMENT)
