"""`{% portal_panel customer %}`: the customer's portal activity on the staff customer page
(payments announced, latest events, requests waiting, live links and their revocation)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from relance.customers.models import Customer
from relance.portal.events import announced_payments, events_of
from relance.portal.models import (
    ContactProposal,
    PortalLink,
    PortalRequest,
    ProposalStatus,
    RequestStatus,
)

register = template.Library()


@register.inclusion_tag("portal/_customer_portal.html", takes_context=True)
def portal_panel(context: template.Context, customer: Customer) -> dict[str, Any]:
    pending = (
        PortalRequest.objects.filter(customer=customer, status=RequestStatus.NEW).count()
        + ContactProposal.objects.filter(customer=customer, status=ProposalStatus.PENDING).count()
    )
    return {
        "customer": customer,
        "can_write": context.get("can_write", False),
        "announced": announced_payments(customer, limit=5),
        "events": events_of(customer, limit=10),
        "pending": pending,
        "live_links": PortalLink.objects.filter(
            customer=customer, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).count(),
        "csrf_token": context.get("csrf_token"),
    }
