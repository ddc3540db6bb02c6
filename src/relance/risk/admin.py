"""Admin: the per-creditor risk settings (holds, deposits, webhook), orders, overrides.

Profiles and webhook deliveries are derived or technical records: read-only here.
"""

from __future__ import annotations

from django.contrib import admin

from relance.risk.models import (
    CreditOverride,
    Onboarding,
    Order,
    RiskProfile,
    RiskSettings,
    WebhookDelivery,
)


@admin.register(RiskSettings)
class RiskSettingsAdmin(admin.ModelAdmin[RiskSettings]):
    list_display = ("creditor", "onboarding_required", "hold_overdue_days", "webhook_url")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin[Order]):
    list_display = ("reference", "customer", "amount_minor", "currency", "created_at")
    search_fields = ("reference", "customer__legal_name")


@admin.register(CreditOverride)
class CreditOverrideAdmin(admin.ModelAdmin[CreditOverride]):
    list_display = ("customer", "hold", "reason", "created_by", "updated_at")


@admin.register(Onboarding)
class OnboardingAdmin(admin.ModelAdmin[Onboarding]):
    list_display = ("customer", "registry_name", "registry_active", "questions_asked", "terms_sent")


@admin.register(RiskProfile)
class RiskProfileAdmin(admin.ModelAdmin[RiskProfile]):
    list_display = ("customer", "segment", "on_hold", "deposit_percent", "as_of")
    list_filter = ("creditor", "segment", "on_hold")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = ("event", "customer", "created_at", "delivered_at")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
