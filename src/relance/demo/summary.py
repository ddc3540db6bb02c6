"""Counts and key figures of a creditor's ledger (the demo's one-line summary)."""

from __future__ import annotations

from datetime import date

from relance.customers.models import Contact, Customer
from relance.ledger.models import Allocation, CreditNote, Invoice, Payment
from relance.ledger.queries import aging, dso


def summary(creditor_id: int, as_of: date) -> dict[str, object]:
    report = aging(creditor_id, as_of).get("EUR")
    result = dso(creditor_id, as_of, "EUR")
    open_invoices = Invoice.objects.filter(creditor_id=creditor_id, open_minor__gt=0).count()
    return {
        "creditor_id": creditor_id,
        "as_of": as_of.isoformat(),
        "customers": Customer.objects.filter(creditor_id=creditor_id).count(),
        "contacts": Contact.objects.filter(customer__creditor_id=creditor_id).count(),
        "invoices": Invoice.objects.filter(creditor_id=creditor_id).count(),
        "open_invoices": open_invoices,
        "credit_notes": CreditNote.objects.filter(creditor_id=creditor_id).count(),
        "payments": Payment.objects.filter(creditor_id=creditor_id).count(),
        "allocations": Allocation.objects.filter(creditor_id=creditor_id).count(),
        "open_amount": str(report.total.amount) if report else "0.00",
        "overdue_amount": str(report.overdue.amount) if report else "0.00",
        "dso_days": str(result.days),
    }
