"""The archive copy of a sent message: one `Correspondence` row and one row per attachment.

`archive(message, sent, …)` is called in the transaction that records a send as done. The
copy is written once per idempotency key: when a copy is already there (a send taken over
after its worker died, which never reaches this point twice in practice) it is kept as it
was, attachments included — an archived message is never rewritten.
"""

from __future__ import annotations

from datetime import datetime

from relance.channels.base import Outbound, Sent
from relance.channels.models import (
    HASH_VERSION,
    Correspondence,
    CorrespondenceAttachment,
    attachment_hash,
    content_hash,
)


def archive(
    message: Outbound,
    sent: Sent,
    *,
    creditor_id: int,
    customer_id: int,
    action_id: int | None,
    sent_at: datetime,
) -> tuple[Correspondence, bool]:
    """Store the copy of `message` as sent; (the copy, whether it was written now)."""
    # cut to the columns' sizes before hashing, so that the stored copy checks
    files = [(a.filename[:200], a.mimetype[:100], a.content) for a in message.attachments]
    copy, created = Correspondence.objects.get_or_create(
        idempotency_key=message.idempotency_key,
        defaults={
            "creditor_id": creditor_id,
            "customer_id": customer_id,
            "action_id": action_id,
            "channel": message.channel,
            "backend": sent.backend,
            "provider_id": sent.provider_id,
            "recipient": message.recipient,
            "recipient_name": message.recipient_name,
            "subject": message.subject,
            "body": message.body,
            "sha256": content_hash(message.subject, message.body, message.recipient, files),
            "hash_version": HASH_VERSION,
            "sent_at": sent_at,
        },
    )
    if created and files:
        CorrespondenceAttachment.objects.bulk_create(
            CorrespondenceAttachment(
                correspondence=copy,
                position=n,
                filename=name,
                mimetype=mimetype,
                content=content,
                sha256=attachment_hash(content),
            )
            for n, (name, mimetype, content) in enumerate(files, start=1)
        )
    return copy, created
