from __future__ import annotations

from django.contrib import admin

from relance.customers.models import Contact, Customer


class ContactInline(admin.TabularInline[Contact, Customer]):
    model = Contact
    extra = 0
    fields = ("first_name", "last_name", "role", "email", "phone", "mobile", "is_primary_billing")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin[Customer]):
    list_display = (
        "legal_name",
        "external_ref",
        "siren",
        "city",
        "segment",
        "assigned_collector",
        "status",
    )
    list_filter = ("creditor", "status", "kind", "segment")
    search_fields = ("legal_name", "external_ref", "siren", "siret")
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin[Contact]):
    list_display = ("__str__", "customer", "role", "email", "phone", "is_primary_billing")
    list_filter = ("role",)
    search_fields = ("first_name", "last_name", "email", "customer__legal_name")
