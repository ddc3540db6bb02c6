"""The archive copy of a sent message: one `Correspondence` row and one row per attachment.

`archive(message, sent, …)` is called in the transaction that records a send as done. The
copy is written once per idempotency key: when a copy is already there (a send taken over
after its worker died, which never reaches this point twice in practice) it is kept as it
was, attachments included — an archived message is never rewritten. The attachments are
written after the message's row, each with its SHA-256, in the message's order.
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
    need_copy: bool = True,
) -> Correspondence | None:
    """Store the copy of `message` as sent, and return it.

    With `need_copy=False` the copy of a message without attachments is not read back
    (None is returned in its place): one INSERT, the worker records hundreds a second."""
    # cut to the columns' sizes before hashing, so that the stored copy checks
    files = [(a.filename[:200], a.mimetype[:100], a.content) for a in message.attachments]
    row = Correspondence(
        idempotency_key=message.idempotency_key,
        creditor_id=creditor_id,
        customer_id=customer_id,
        action_id=action_id,
        channel=message.channel,
        backend=sent.backend,
        provider_id=sent.provider_id,
        recipient=message.recipient,
        recipient_name=message.recipient_name,
        subject=message.subject,
        body=message.body,
        sha256=content_hash(message.subject, message.body, message.recipient, files),
        hash_version=HASH_VERSION,
        sent_at=sent_at,
    )
    # a copy already there under the key is left as it is
    Correspondence.objects.bulk_create([row], ignore_conflicts=True)
    if not files and not need_copy:
        return None
    copy = Correspondence.objects.get(idempotency_key=message.idempotency_key)
    if copy.sent_at != sent_at or copy.action_id != action_id:
        return copy  # archived before, with its attachments
    if files:
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
    return copy
