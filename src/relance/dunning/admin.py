from __future__ import annotations

from django.contrib import admin

from relance.dunning.models import SendingSettings


@admin.register(SendingSettings)
class SendingSettingsAdmin(admin.ModelAdmin[SendingSettings]):
    """Per creditor: scheduled account statements and invoices sent on their issue date."""

    list_display = ("creditor", "statement_day", "statement_channel", "send_invoices")
