"""Delivery feedback: what an email or SMS provider reports about a sent message.

`record_event` is called by the webhook view (relance.channels.webhooks) for every event
anymail normalised from the provider's post. It finds the archived message by its
Message-ID (the email backend sets `<key@relance.invalid>`, which the provider reports
back), stores the event, and moves the archive's delivery status forward — never back:
sent < delivered < opened < bounced / rejected < complained. A permanent bounce, a
rejection or a complaint marks the recipient's email address undeliverable on every
contact of that customer who has it: the engine no longer sends there, and the customer
page shows the contact "to update". A soft bounce is recorded and changes nothing else.
Events for messages relance did not send are ignored (the provider need not retry them).

`record_sms_report` does the same for an SMS delivery report, found by the provider's
message id: delivered, or a hard bounce (the number cannot receive SMS: the contacts with
that mobile number are flagged `mobile_undeliverable_since`, and the engine stops sending
SMS there), a rejection, a soft bounce (recorded only). A recipient who answers STOP
(`unsubscribed`) is opted out of SMS; a reply is recorded with its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from relance.channels.models import Correspondence, DeliveryEvent, DeliveryStatus
from relance.customers.models import Contact
from relance.domain.identifiers import IdentifierError, clean_phone

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


#: an SMS report's status (Brevo's `msg_status`) → the archive's delivery status
SMS_STATUS = {
    "delivered": DeliveryStatus.DELIVERED,
    "hard_bounce": DeliveryStatus.BOUNCED,
    "rejected": DeliveryStatus.REJECTED,
}
#: the number cannot receive SMS: the contacts' mobile is flagged "to update"
SMS_UNDELIVERABLE = frozenset({"hard_bounce"})
#: the recipient asked for no more SMS (answered STOP)
SMS_OPT_OUT = frozenset({"unsubscribed", "unsubscribe"})


@dataclass(frozen=True, slots=True)
class SmsReport:
    source: str  # "brevo-sms"
    status: str  # sent, accepted, delivered, soft_bounce, hard_bounce, rejected, replied…
    message_id: str  # the provider's id, as the send returned it
    number: str = ""  # the recipient's number as the provider reports it
    occurred_at: datetime | None = None
    detail: str = ""  # the provider's reason, or the text of a reply


def _e164(number: str, region: str) -> str:
    raw = number.strip()
    if raw.isdigit():  # Brevo writes international numbers without the plus
        raw = "+" + raw
    try:
        return clean_phone(raw, default_region=region or "FR", field="mobile")
    except IdentifierError:
        return ""


def record_sms_report(report: SmsReport) -> Correspondence | None:
    """Apply one SMS delivery report; the archived SMS it concerns, or None if unknown."""
    if not report.message_id.strip():
        return None
    with transaction.atomic():
        found = (
            Correspondence.objects.select_for_update()
            .select_related("customer")
            .filter(channel="sms", provider_id=report.message_id.strip())
            .first()
        )
        if found is None:
            return None
        when = report.occurred_at or timezone.now()
        DeliveryEvent.objects.create(
            correspondence=found,
            source=report.source,
            event=report.status[:20],
            occurred_at=when,
            detail=report.detail[:500],
        )
        status = SMS_STATUS.get(report.status)
        if status is not None and RANK[status] > RANK[DeliveryStatus(found.delivery_status)]:
            Correspondence.objects.filter(pk=found.pk).update(delivery_status=status)
            found.delivery_status = status
        if report.status in SMS_UNDELIVERABLE or report.status in SMS_OPT_OUT:
            region = found.customer.country or "FR"
            number = _e164(report.number, region) or _e164(found.recipient, region)
            contacts = [
                c
                for c in Contact.objects.filter(customer_id=found.customer_id).exclude(mobile="")
                if number and _e164(c.mobile, region) == number
            ]
            why = f"{report.status} ({report.source}, {when:%Y-%m-%d})"
            if report.detail:
                why += f": {report.detail}"
            for contact in contacts:  # one save each: the audit log records every change
                if report.status in SMS_OPT_OUT:
                    if not contact.opt_out_sms:
                        contact.opt_out_sms = True
                        contact.save(update_fields=["opt_out_sms"])
                elif contact.mobile_undeliverable_since is None:
                    contact.mobile_undeliverable_since = when
                    contact.mobile_undeliverable_reason = why[:200]
                    contact.save(
                        update_fields=["mobile_undeliverable_since", "mobile_undeliverable_reason"]
                    )
    return found
