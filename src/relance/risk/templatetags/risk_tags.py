"""`{% risk_panel customer as_of %}`: the customer's segment and why, credit and deposit."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils import timezone

from relance.customers.models import Customer
from relance.risk import services
from relance.risk.onboarding import onboarding_status

register = template.Library()


@register.inclusion_tag("risk/_customer_risk.html")
def risk_panel(customer: Customer, as_of: date) -> dict[str, Any]:
    """Recomputed for this customer at the page's date (one customer: a few queries).

    At today's date the profile is stored (holds and webhooks follow); at another
    date it is a preview, rolled back.
    """
    if as_of == timezone.localdate():
        profile = services.profile(customer, as_of)
    else:
        profile = services.preview(customer, as_of)
    cfg = services.risk_settings(customer.creditor_id)
    decision = services.decision_of(profile, customer, cfg)
    return {
        "customer": customer,
        "profile": profile,
        "segment_label": profile.get_segment_display(),
        "reasons": services.translated(profile.segment_reasons),
        "hold_reasons": services.translated(profile.hold_reasons),
        "decision": decision,
        "onboarding": onboarding_status(customer, cfg),
    }
