"""The "penalties as of" block of the invoice and customer pages (context functions).

Each returns a dict merged into the page's context and rendered by
``web/_penalties.html``: interest, indemnity and total per currency, the findings, the
invoice's limitation, the error when a rate is missing, and the not-legal-advice note.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from relance.customers.models import Customer
from relance.domain.limitation import LimitationStatus
from relance.ledger.models import Invoice, InvoiceStatus
from relance.ledger.penalties import (
    limitation_for_invoice,
    penalties_for_customer,
    penalty_for_invoice,
)


def invoice_penalties(invoice: Invoice, as_of: date) -> dict[str, Any]:
    if invoice.status == InvoiceStatus.CANCELLED:
        return {}
    found = penalty_for_invoice(invoice, as_of)
    block: dict[str, Any] = {"as_of": as_of, "errors": [], "rows": [], "findings": []}
    if found.result is None:
        block["errors"] = [found.error]
    else:
        r = found.result
        if not r.total.is_zero:
            block["rows"] = [(r.total.currency, r.interest, r.indemnity, r.total)]
        block["findings"] = found.findings
        block["segments"] = r.segments
    try:
        lim = limitation_for_invoice(invoice)
    except (ValueError, OverflowError):
        lim = None
    if lim is not None:
        status = lim.status(as_of)
        block["limitation"] = {
            "last_day": lim.last_day,
            "years": lim.years,
            "ahead": status is LimitationStatus.AHEAD,
            "expired": status is LimitationStatus.EXPIRED,
        }
    return {"penalties": block}


def customer_penalties(customer: Customer, as_of: date) -> dict[str, Any]:
    summary = penalties_for_customer(customer, as_of)
    return {
        "penalties": {
            "as_of": as_of,
            "rows": summary.rows,
            "invoices": summary.invoices,
            "errors": summary.errors,
            "findings": [],
        }
    }
