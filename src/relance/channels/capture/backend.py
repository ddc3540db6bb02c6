"""Capture backend: stores the message (one row per idempotency key) and delivers nothing.

Every attachment is kept, in order, with its name, type, size and content
(`CapturedAttachment`); a second message under the same key stores nothing more.

It is also the demo's postal provider (relance.channels.post.base.PostalProvider): a
registered letter gets an S10 tracking number ("RR00000042xFR", from the row's id), stored
with the captured message and returned with the receipt, as a real provider would.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from relance.channels.base import Attachment, Outbound, Sent
from relance.channels.models import CapturedAttachment, CapturedMessage
from relance.channels.post.base import Submission
from relance.channels.post.tracking import s10


class CaptureBackend:
    name = "capture"

    def close(self) -> None:
        """Nothing kept open."""

    def send(self, message: Outbound) -> Sent:
        row = self._store(message.idempotency_key, message, message.attachments)
        return Sent(self.name, f"capture-{row.pk}", row.tracking_number)

    def submit(self, *, pdf: bytes, address: str, registered: bool, reference: str) -> Submission:
        channel = "registered_letter" if registered else "letter"
        outbound = Outbound(channel, reference, address, "", "", "")
        row = self._store(
            reference, outbound, [Attachment(f"{reference}.pdf", pdf, "application/pdf")]
        )
        return Submission(f"capture-{row.pk}", row.tracking_number)

    @transaction.atomic
    def _store(
        self, key: str, message: Outbound, attachments: Sequence[Attachment]
    ) -> CapturedMessage:
        row, created = CapturedMessage.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "channel": message.channel,
                "recipient": message.recipient,
                "recipient_name": message.recipient_name,
                "subject": message.subject[:300],
                "body": message.body,
            },
        )
        if not created:
            return row  # stored before under this key, with its attachments
        CapturedAttachment.objects.bulk_create(
            CapturedAttachment(
                message=row,
                position=n,
                filename=file.filename[:200],
                content_type=file.mimetype[:100],
                content=file.content,
                size=len(file.content),
            )
            for n, file in enumerate(attachments, start=1)
        )
        if message.channel == "registered_letter":
            row.tracking_number = s10(row.pk)
            row.save(update_fields=["tracking_number"])
        return row
