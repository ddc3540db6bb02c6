"""The customer's portal file: one `PortalEvent` per thing done in the portal.

    record(link, kind, ip="", **detail) -> PortalEvent
    events_of(customer, limit=50) -> list[PortalEvent]       (newest first; the timeline)
    announced_payments(customer) -> list[PortalEvent]        (what the collector should know)

Detail values are plain JSON (amounts in minor units with their currency, dates ISO 8601,
invoice ids and numbers), so the timeline can show them without reading other tables.
"""

from __future__ import annotations

from typing import Any

from relance.customers.models import Customer
from relance.portal.models import EventKind, PortalEvent, PortalLink


def record(link: PortalLink, kind: str, ip: str = "", **detail: Any) -> PortalEvent:
    if kind not in EventKind.values:
        raise ValueError(f"unknown portal event kind {kind!r}")
    return PortalEvent.objects.create(
        creditor_id=link.creditor_id,
        customer_id=link.customer_id,
        link=link,
        kind=kind,
        detail=detail,
        ip=ip[:45],
    )


def events_of(customer: Customer, limit: int = 50) -> list[PortalEvent]:
    return list(
        PortalEvent.objects.filter(customer=customer).order_by("-created_at", "-id")[:limit]
    )


def announced_payments(customer: Customer, limit: int = 10) -> list[PortalEvent]:
    return list(
        PortalEvent.objects.filter(customer=customer, kind=EventKind.PAYMENT_ANNOUNCED).order_by(
            "-created_at", "-id"
        )[:limit]
    )
