"""Penalties of an invoice as the legal documents claim them: with the formal-notice date.

`relance.ledger.penalties.penalty_for_invoice` knows nothing of formal notices. Here the date
of the customer's first formal notice sent on or before `as_of` (a `FormalNotice` of one of
its legal cases) becomes the engine's `notice_date`, so that a consumer (B2C) debt under
French rules carries interest at the legal rate from that notice (C. civ. 1231-6, 1344-1).
For B2B debts the engine ignores the notice date.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from relance.customers.models import Customer
from relance.domain.penalties import PenaltyError, compute_penalty
from relance.domain.rates import RateBook, RateError, RateNotCovered
from relance.ledger.models import Invoice
from relance.ledger.penalties import (
    InvoicePenalty,
    claim_for_invoice,
    conventions,
    penalty_for_invoice,
    rate_book,
)
from relance.legal.models import FormalNotice


def notice_date_for(customer: Customer, as_of: date) -> date | None:
    """The date of the first formal notice sent to `customer` on or before `as_of`."""
    first = (
        FormalNotice.objects.filter(case__customer=customer, sent_on__lte=as_of)
        .order_by("sent_on")
        .values_list("sent_on", flat=True)
        .first()
    )
    return first


def penalty_at(
    invoice: Invoice, as_of: date, book: RateBook | None = None, notice: date | None = None
) -> InvoicePenalty:
    """`penalty_for_invoice`, with the notice date (given, or looked up) passed to the engine."""
    if notice is None:
        notice = notice_date_for(invoice.customer, as_of)
    plain = penalty_for_invoice(invoice, as_of, book)
    if notice is None or plain.error_code == "none":
        return plain
    try:
        claim = replace(claim_for_invoice(invoice, as_of), notice_date=notice)
        result = compute_penalty(claim, book or rate_book(), conventions())
    except (RateError, PenaltyError) as exc:
        code = "rate_not_covered" if isinstance(exc, RateNotCovered) else "refused"
        return InvoicePenalty(invoice, as_of, error=str(exc), error_code=code)
    return InvoicePenalty(invoice, as_of, result=result)
