from __future__ import annotations

from django.contrib import admin

from relance.creditors.models import Creditor


@admin.register(Creditor)
class CreditorAdmin(admin.ModelAdmin[Creditor]):
    list_display = ("legal_name", "legal_form", "siren", "city", "currency", "payment_terms_days")
    search_fields = ("legal_name", "trade_name", "siren")
