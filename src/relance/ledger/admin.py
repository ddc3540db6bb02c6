"""Admin views of the ledger. Balances are read-only: they follow the allocations."""

from __future__ import annotations

from django.contrib import admin

from relance.ledger.models import Allocation, CreditNote, Invoice, Payment


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin[Invoice]):
    list_display = (
        "number",
        "customer",
        "issue_date",
        "due_date",
        "total_incl_tax_minor",
        "open_minor",
        "status",
    )
    list_filter = ("creditor", "status", "source")
    search_fields = ("number", "customer__legal_name", "po_number")
    readonly_fields = ("allocated_minor", "open_minor")
    date_hierarchy = "issue_date"


@admin.register(CreditNote)
class CreditNoteAdmin(admin.ModelAdmin[CreditNote]):
    list_display = ("number", "customer", "issue_date", "total_incl_tax_minor", "unallocated_minor")
    search_fields = ("number", "customer__legal_name")
    readonly_fields = ("allocated_minor", "unallocated_minor")


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin[Payment]):
    list_display = ("date", "customer", "amount_minor", "unallocated_minor", "method", "reference")
    list_filter = ("creditor", "method", "source")
    search_fields = ("reference", "payer_name", "external_ref", "customer__legal_name")
    readonly_fields = ("allocated_minor", "unallocated_minor")
    date_hierarchy = "date"


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin[Allocation]):
    list_display = ("date", "invoice", "payment", "credit_note", "amount_minor", "source")
    search_fields = ("invoice__number",)
    raw_id_fields = ("invoice", "payment", "credit_note")
