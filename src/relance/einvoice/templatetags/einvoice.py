"""`{% lifecycle_events invoice %}`: the e-invoice part of the invoice page."""

from __future__ import annotations

from typing import Any

from django import template

from relance.einvoice.lifecycle import payment_announced
from relance.einvoice.models import InvoiceDocument, LifecycleEvent
from relance.ledger.models import Invoice

register = template.Library()


@register.inclusion_tag("einvoice/_lifecycle.html")
def lifecycle_events(invoice: Invoice) -> dict[str, Any]:
    events = LifecycleEvent.objects.filter(invoice=invoice).order_by("date", "id")
    return {
        "events": list(events),
        "announced": payment_announced(invoice),
        "document": InvoiceDocument.objects.filter(invoice=invoice).first(),
    }
