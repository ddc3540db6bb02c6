"""`{% arrangements_panel customer %}`: the customer's promises, plans and settlements, with
the links to take a promise, propose a plan or offer a settlement."""

from __future__ import annotations

from typing import Any

from django import template

from relance.negotiation.models import (
    PaymentPlan,
    Promise,
    Settlement,
    SettlementStatus,
)

register = template.Library()


@register.inclusion_tag("negotiation/_panel.html", takes_context=True)
def arrangements_panel(context: template.Context, customer: Any) -> dict[str, Any]:
    membership = context.get("membership")
    return {
        "customer": customer,
        "can_write": bool(membership and membership.can_write),
        "promises": Promise.objects.filter(customer=customer).order_by("-taken_on", "-pk")[:10],
        "plans": PaymentPlan.objects.filter(customer=customer).order_by("-agreed_on", "-pk")[:10],
        "settlements": Settlement.objects.filter(customer=customer).order_by("-offered_on", "-pk")[
            :10
        ],
        "live_settlement": SettlementStatus.OFFERED,
        "csrf_token": context.get("csrf_token"),
    }
