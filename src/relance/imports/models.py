"""A record of every import: what file, by whom, what was taken."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("customers")
    CONTACTS = "contacts", _("contacts")
    INVOICES = "invoices", _("invoices")
    PAYMENTS = "payments", _("payments")


class ImportStatus(models.TextChoices):
    APPLIED = "applied", _("applied")
    REJECTED = "rejected", _("rejected")
    DRY_RUN = "dry_run", _("dry run")


class ImportBatch(models.Model):
    creditor = models.ForeignKey(
        "creditors.Creditor", on_delete=models.CASCADE, related_name="imports"
    )
    kind = models.CharField(max_length=12, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=ImportStatus.choices)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"
