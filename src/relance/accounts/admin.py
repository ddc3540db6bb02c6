from __future__ import annotations

from django.contrib import admin

from relance.accounts.models import Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ("user", "creditor", "role", "created_at")
    list_filter = ("creditor", "role")
    search_fields = ("user__username", "creditor__legal_name")
