"""Delivery feedback: what an email provider reports about a sent message.

`record_event` is called by the webhook view (relance.channels.webhooks) for every event
anymail normalised from the provider's post. It finds the archived message by its
Message-ID (the email backend sets `<key@relance.invalid>`, which the provider reports
back), stores the event, and moves the archive's delivery status forward — never back:
sent < delivered < opened < bounced / rejected < complained. A permanent bounce, a
rejection or a complaint marks the recipient's email address undeliverable on every
contact of that customer who has it: the engine no longer sends there, and the customer
page shows the contact "to update". A soft bounce is recorded and changes nothing else.
Events for messages relance did not send are ignored (the provider need not retry them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from relance.channels.models import Correspondence, DeliveryEvent, DeliveryStatus
from relance.customers.models import Contact

#: anymail's normalised event type → the archive's delivery status
STATUS = {
    "delivered": DeliveryStatus.DELIVERED,
    "opened": DeliveryStatus.OPENED,
    "bounced": DeliveryStatus.BOUNCED,
    "rejected": DeliveryStatus.REJECTED,
    "complained": DeliveryStatus.COMPLAINED,
}
RANK = {
    DeliveryStatus.SENT: 0,
    DeliveryStatus.PRESENTED: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.OPENED: 3,
    DeliveryStatus.BOUNCED: 4,
    DeliveryStatus.REJECTED: 4,
    DeliveryStatus.COMPLAINED: 5,
}
UNDELIVERABLE = frozenset({"bounced", "rejected", "complained"})


@dataclass(frozen=True, slots=True)
class Event:
    source: str  # the provider ("brevo")
    event_type: str  # anymail's normalised type: delivered, opened, bounced…
    message_id: str
    recipient: str = ""
    occurred_at: datetime | None = None
    reason: str = ""  # the provider's or the receiving server's words
    soft: bool = False  # a temporary bounce: the address stays usable


def _ids(message_id: str) -> list[str]:
    bare = message_id.strip().strip("<>")
    return [f"<{bare}>", bare] if bare else []


def record_event(event: Event) -> Correspondence | None:
    """Apply one provider event; the archived message it concerns, or None if unknown."""
    ids = _ids(event.message_id)
    if not ids:
        return None
    with transaction.atomic():
        found = (
            Correspondence.objects.select_for_update()
            .filter(channel="email", provider_id__in=ids)
            .first()
        )
        if found is None:
            return None
        when = event.occurred_at or timezone.now()
        DeliveryEvent.objects.create(
            correspondence=found,
            source=event.source,
            event=event.event_type + (" (soft)" if event.soft else ""),
            occurred_at=when,
            detail=event.reason[:500],
        )
        if event.soft:
            return found
        status = STATUS.get(event.event_type)
        if status is not None and RANK[status] > RANK[DeliveryStatus(found.delivery_status)]:
            Correspondence.objects.filter(pk=found.pk).update(delivery_status=status)
            found.delivery_status = status
        if event.event_type in UNDELIVERABLE:
            _flag(found, event, when)
    return found


def _flag(message: Correspondence, event: Event, when: datetime) -> None:
    address = (event.recipient or message.recipient).strip()
    why = f"{event.event_type} ({event.source}, {when:%Y-%m-%d})"
    if event.reason:
        why += f": {event.reason}"
    contacts = Contact.objects.filter(
        customer_id=message.customer_id,
        email__iexact=address,
        email_undeliverable_since__isnull=True,
    )
    for contact in contacts:  # one save each: the audit log records every change
        contact.email_undeliverable_since = when
        contact.email_undeliverable_reason = why[:200]
        contact.save(update_fields=["email_undeliverable_since", "email_undeliverable_reason"])
