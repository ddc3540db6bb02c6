"""Admin views of bank accounts, statements and lines (statements and lines read-only)."""

from __future__ import annotations

from django.contrib import admin

from relance.banking.models import BankAccount, BankLine, BankStatement


@admin.register(BankAccount)
class BankAccountAdmin(admin.ModelAdmin[BankAccount]):
    list_display = ("iban", "name", "creditor")
    list_filter = ("creditor",)
    search_fields = ("iban", "name")


@admin.register(BankStatement)
class BankStatementAdmin(admin.ModelAdmin[BankStatement]):
    list_display = (
        "statement_id",
        "account",
        "format",
        "period_start",
        "period_end",
        "imported_at",
    )
    list_filter = ("creditor", "format")
    search_fields = ("statement_id", "file_name", "account__iban")
    readonly_fields = [f.name for f in BankStatement._meta.fields]


@admin.register(BankLine)
class BankLineAdmin(admin.ModelAdmin[BankLine]):
    list_display = (
        "booking_date",
        "counterparty_name",
        "amount_minor",
        "currency",
        "kind",
        "status",
    )
    list_filter = ("creditor", "kind", "status")
    search_fields = ("line_id", "counterparty_name", "end_to_end_id", "bank_reference")
    readonly_fields = [f.name for f in BankLine._meta.fields if f.name != "status"]
