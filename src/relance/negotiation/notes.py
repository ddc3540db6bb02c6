"""Notes on a customer's file, optionally about one of its disputes.

add_note(customer, "Le client attend l'avoir du service commercial.", user=…, dispute=…)
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.negotiation.models import Dispute, Note

#: Longest note accepted (a note is read on a screen, not a document store).
MAX_NOTE = 5000


@transaction.atomic
def add_note(
    customer: Customer, text: str, *, user: Any = None, dispute: Dispute | None = None
) -> Note:
    """Add a note to `customer`'s file (BadInput when empty, too long or about another
    customer's dispute)."""
    text = text.strip()
    if not text:
        raise BadInput("text: a note cannot be empty")
    if len(text) > MAX_NOTE:
        raise BadInput(f"text: a note is at most {MAX_NOTE} characters long ({len(text)} here)")
    if dispute is not None and dispute.customer_id != customer.pk:
        raise BadInput(f"dispute: #{dispute.pk} is not a dispute of this customer")
    return Note.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        text=text,
        author=user if getattr(user, "is_authenticated", False) else None,
        dispute=dispute,
    )
