"""Capture backend: stores the message (one row per idempotency key) and delivers nothing.

It is also the demo's postal provider (relance.channels.post.base.PostalProvider): a
registered letter gets an S10 tracking number ("RR00000042xFR", from the row's id), stored
with the captured message and returned with the receipt, as a real provider would.
"""

from __future__ import annotations

from relance.channels.base import Attachment, Outbound, Sent
from relance.channels.models import CapturedMessage
from relance.channels.post.base import Submission
from relance.channels.post.tracking import s10


class CaptureBackend:
    name = "capture"

    def close(self) -> None:
        """Nothing kept open."""

    def send(self, message: Outbound) -> Sent:
        first = message.attachments[0] if message.attachments else None
        row = self._store(message.idempotency_key, message, first)
        return Sent(self.name, f"capture-{row.pk}", row.tracking_number)

    def submit(self, *, pdf: bytes, address: str, registered: bool, reference: str) -> Submission:
        channel = "registered_letter" if registered else "letter"
        outbound = Outbound(channel, reference, address, "", "", "")
        row = self._store(
            reference, outbound, Attachment(f"{reference}.pdf", pdf, "application/pdf")
        )
        return Submission(f"capture-{row.pk}", row.tracking_number)

    def _store(self, key: str, message: Outbound, first: Attachment | None) -> CapturedMessage:
        row, created = CapturedMessage.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "channel": message.channel,
                "recipient": message.recipient,
                "recipient_name": message.recipient_name,
                "subject": message.subject[:300],
                "body": message.body,
                "attachment_name": first.filename if first else "",
                "attachment": first.content if first else None,
            },
        )
        if created and message.channel == "registered_letter":
            row.tracking_number = s10(row.pk)
            row.save(update_fields=["tracking_number"])
        return row
