"""The SMS channel: the text rules enforced here, the delivery left to a provider.

`SmsProvider` is what an SMS provider adapter implements: send one text to one E.164
number and return the provider's message id, or raise `TransientError` /
`PermanentError` (relance.channels.base). `SmsBackend` is the channel backend the
outbox calls: before any provider sees the message it normalises the number
(relance.domain.identifiers) and checks the text (relance.domain.sms: at most
SMS_MAX_SEGMENTS segments, GSM-7 or UCS-2); a text or a number that breaks a rule is a
permanent error — sending it again would break it again.
"""

from __future__ import annotations

from typing import Protocol

from relance.channels.base import Outbound, PermanentError, Sent
from relance.domain.identifiers import IdentifierError, clean_phone
from relance.domain.sms import measure

#: An SMS reminder is at most two segments (306 GSM-7 characters, 134 in UCS-2); the same
#: limit relance.dunning.messages writes its texts to.
SMS_MAX_SEGMENTS = 2


class SmsProvider(Protocol):
    name: str

    def send_sms(self, *, to: str, text: str, unicode: bool, reference: str) -> str:
        """Send `text` to the E.164 number `to`; return the provider's message id.

        `unicode` is True when the text needs UCS-2; `reference` is the idempotency key
        (passed as a tag where the provider keeps one)."""
        ...


class SmsBackend:
    """The `sms` channel through one provider."""

    def __init__(self, provider: SmsProvider) -> None:
        self.provider = provider
        self.name = provider.name

    def close(self) -> None:
        """Nothing kept open: one HTTP request per message."""

    def send(self, message: Outbound) -> Sent:
        if not message.recipient:
            raise PermanentError("no mobile number")
        try:
            number = clean_phone(message.recipient, field="mobile")
        except IdentifierError as exc:
            raise PermanentError(f"mobile number refused: {exc}") from exc
        text = message.body.strip()
        if not text:
            raise PermanentError("empty SMS text")
        length = measure(text)
        if length.segments > SMS_MAX_SEGMENTS:
            raise PermanentError(
                f"SMS text too long: {length.units} {length.encoding} characters make "
                f"{length.segments} segments (at most {SMS_MAX_SEGMENTS})"
            )
        provider_id = self.provider.send_sms(
            to=number,
            text=text,
            unicode=length.encoding == "UCS-2",
            reference=message.idempotency_key,
        )
        return Sent(self.name, provider_id)
