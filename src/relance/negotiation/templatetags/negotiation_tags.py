"""`{% negotiation_panel customer %}`: the customer page's links to the call screen and the
dispute form, its open disputes and latest calls."""

from __future__ import annotations

from typing import Any

from django import template

from relance.customers.models import Customer
from relance.negotiation.disputes import ACTIVE
from relance.negotiation.models import CallLog, Dispute

register = template.Library()


@register.inclusion_tag("negotiation/_customer_panel.html", takes_context=True)
def negotiation_panel(context: template.Context, customer: Customer) -> dict[str, Any]:
    return {
        "customer": customer,
        "can_write": context.get("can_write", False),
        "disputes": list(
            Dispute.objects.filter(customer=customer, status__in=ACTIVE)
            .prefetch_related("items__invoice")
            .order_by("due_on", "pk")
        ),
        "calls": list(
            CallLog.objects.filter(customer=customer).select_related("contact").order_by("-at")[:5]
        ),
    }
