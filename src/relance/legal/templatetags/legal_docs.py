"""`{% legal_documents case %}`: penalty invoices, formal notice and court file of a case."""

from __future__ import annotations

from typing import Any

from django import template

from relance.domain.legal_case import Route
from relance.legal.models import FormalNotice, LegalCase, PenaltyInvoice

register = template.Library()


@register.inclusion_tag("legal/documents.html", takes_context=True)
def legal_documents(context: dict[str, Any], case: LegalCase) -> dict[str, Any]:
    request = context["request"]
    membership = getattr(request, "membership", None)
    can_manage = bool(membership and membership.can_import and case.closed_on is None)
    return {
        "case": case,
        "csrf_token": context.get("csrf_token"),
        "can_manage": can_manage,
        "penalty_invoices": list(PenaltyInvoice.objects.filter(customer=case.customer)[:20]),
        "notices": list(FormalNotice.objects.filter(case=case)),
        "payment_order": case.route == Route.PAYMENT_ORDER.value,
    }
