"""The tiny interface every channel backend implements, and its errors.

A backend receives a rendered `Outbound` message and returns a `Sent` receipt, or
raises `TransientError` (try again later: network down, server busy — an SMTP 4xx, an
HTTP 5xx or 429) or `PermanentError` (never retry: address refused — an SMTP 5xx, most
HTTP 4xx). Every backend must be idempotent on `Outbound.idempotency_key` as far as its
medium allows: the capture backend stores one row per key, the email backend uses it as
the Message-ID.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


@dataclass(frozen=True, slots=True)
class Outbound:
    channel: str
    idempotency_key: str
    recipient: str  # an email address, a phone number, or a postal address block
    recipient_name: str
    subject: str
    body: str
    sender_name: str = ""
    sender_email: str = ""
    reply_to: str = ""
    language: str = "fr"
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Sent:
    backend: str
    provider_id: str
    #: a registered letter's tracking number, when the backend posted one
    tracking_number: str = ""


class ChannelConfigError(ValueError):
    """RELANCE_CHANNELS or a provider's settings are wrong: the worker stops with the message."""


class ChannelError(Exception):
    transient = False


class TransientError(ChannelError):
    """Try again later."""

    transient = True


class PermanentError(ChannelError):
    """Sending this message can never succeed as it is."""


class Backend(Protocol):
    name: str

    def send(self, message: Outbound) -> Sent: ...

    def close(self) -> None:
        """Release what the backend keeps open between messages (a connection)."""
