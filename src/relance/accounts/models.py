"""A user's role at a creditor (one membership per user and creditor)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles, from most to least powerful.

    - admin: everything, including users and settings of the creditor.
    - credit_manager: every customer of the creditor, imports, approvals.
    - collector: only the customers assigned to them.
    - read_only: sees every customer, changes nothing (the accountant, sales).
    """

    ADMIN = "admin", _("administrator")
    CREDIT_MANAGER = "credit_manager", _("credit manager")
    COLLECTOR = "collector", _("collector")
    READ_ONLY = "read_only", _("read-only")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    creditor = models.ForeignKey(
        "creditors.Creditor", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "creditor"], name="membership_unique_user_creditor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.creditor} ({self.role})"

    @property
    def can_write(self) -> bool:
        return self.role != Role.READ_ONLY

    @property
    def sees_all_customers(self) -> bool:
        return self.role != Role.COLLECTOR

    @property
    def can_import(self) -> bool:
        return self.role in (Role.ADMIN, Role.CREDIT_MANAGER)
