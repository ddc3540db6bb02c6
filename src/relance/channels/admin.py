"""Django admin: a creditor's contact rules and sender identity; registered-letter tracking."""

from __future__ import annotations

from django.contrib import admin

from relance.channels.models import ContactRuleSettings, RegisteredMail, SenderIdentity


@admin.register(ContactRuleSettings)
class ContactRuleSettingsAdmin(admin.ModelAdmin[ContactRuleSettings]):
    list_display = ("creditor", "calls_per_day", "cooldown_days", "weekly_email", "weekly_sms")
    fieldsets = (
        (None, {"fields": ("creditor", "calls_per_day", "cooldown_days")}),
        (
            "Weekly caps",
            {
                "fields": (
                    "weekly_email",
                    "weekly_sms",
                    "weekly_call",
                    "weekly_letter",
                    "weekly_registered_letter",
                )
            },
        ),
        (
            "Courtesy windows",
            {"fields": ("call_days", "call_start", "call_end", "sms_days", "sms_start", "sms_end")},
        ),
    )


@admin.register(SenderIdentity)
class SenderIdentityAdmin(admin.ModelAdmin[SenderIdentity]):
    list_display = (
        "creditor",
        "from_name",
        "from_email",
        "reply_to",
        "reply_address",
        "attach_invoices",
    )


@admin.register(RegisteredMail)
class RegisteredMailAdmin(admin.ModelAdmin[RegisteredMail]):
    list_display = ("tracking_number", "correspondence", "presented_on", "acknowledged_on")
    readonly_fields = ("correspondence", "updated_at", "updated_by", "source")
