"""Capture backend: stores the message (one row per idempotency key) and delivers nothing."""

from __future__ import annotations

from relance.channels.base import Outbound, Sent
from relance.channels.models import CapturedMessage


class CaptureBackend:
    name = "capture"

    def close(self) -> None:
        """Nothing kept open."""

    def send(self, message: Outbound) -> Sent:
        row, _created = CapturedMessage.objects.get_or_create(
            idempotency_key=message.idempotency_key,
            defaults={
                "channel": message.channel,
                "recipient": message.recipient,
                "recipient_name": message.recipient_name,
                "subject": message.subject[:300],
                "body": message.body,
                "attachment_name": message.attachments[0].filename if message.attachments else "",
                "attachment": message.attachments[0].content if message.attachments else None,
            },
        )
        return Sent(self.name, f"capture-{row.pk}")
