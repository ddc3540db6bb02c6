"""The postal interface: a provider that posts a PDF letter, registered or not.

A postal provider (a mail house, La Poste's online services) receives the letter's PDF,
the address block and whether it is registered, and returns a `Submission`: its own id
and, for a registered letter, the tracking number. `PostBackend` turns a provider into
the channel backend of `letter` and `registered_letter`: the letter's PDF is the first
attachment of the rendered message (relance.channels.letter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from relance.channels.base import Outbound, PermanentError, Sent


@dataclass(frozen=True, slots=True)
class Submission:
    provider_id: str
    tracking_number: str = ""  # registered letters only


class PostalProvider(Protocol):
    name: str

    def submit(self, *, pdf: bytes, address: str, registered: bool, reference: str) -> Submission:
        """Post the letter once per `reference` (the idempotency key)."""
        ...


class PostBackend:
    def __init__(self, provider: PostalProvider) -> None:
        self.provider = provider
        self.name = provider.name

    def close(self) -> None:
        """Nothing kept open."""

    def send(self, message: Outbound) -> Sent:
        pdfs = [a for a in message.attachments if a.mimetype == "application/pdf"]
        if not pdfs:
            raise PermanentError("a letter needs its PDF")
        if not message.recipient.strip():
            raise PermanentError("no postal address")
        submitted = self.provider.submit(
            pdf=pdfs[0].content,
            address=message.recipient,
            registered=message.channel == "registered_letter",
            reference=message.idempotency_key,
        )
        return Sent(self.name, submitted.provider_id, submitted.tracking_number)
