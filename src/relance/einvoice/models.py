"""E-invoice documents kept with the ledger, and lifecycle statuses (reform, LEGAL.md §8)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from relance.core.models import Timestamped

#: `source` written on the invoices, credit notes, payments and allocations this app creates.
#: Stored as text next to relance.core.models.Source's values (the column is free text).
EINVOICE_SOURCE = "einvoice"


class LifecycleStatus(models.IntegerChoices):
    """Statuses exchanged through the approved platforms (mandatory: 200, 210, 212, 213)."""

    DEPOSITED = 200, _("200 deposited")
    ISSUED = 201, _("201 issued by the platform")
    RECEIVED = 202, _("202 received by the platform")
    MADE_AVAILABLE = 203, _("203 made available")
    TAKEN_IN_CHARGE = 204, _("204 taken in charge")
    APPROVED = 205, _("205 approved")
    PARTLY_APPROVED = 206, _("206 partly approved")
    DISPUTED = 207, _("207 disputed")
    SUSPENDED = 208, _("208 suspended")
    COMPLETED = 209, _("209 completed")
    REFUSED = 210, _("210 refused")
    PAYMENT_SENT = 211, _("211 payment sent")
    CASHED = 212, _("212 cashed")
    REJECTED = 213, _("213 rejected")


#: Statuses that pause dunning for the invoice (dispute, suspension, refusal) …
PAUSING = frozenset({207, 208, 210})
#: … and the later statuses that lift such a pause.
LIFTING = frozenset({205, 209, 212})
PAYMENT_ANNOUNCED = 211
CASHED = 212


class EventSource(models.TextChoices):
    API = "api", _("API")
    CSV = "csv", _("CSV import")
    MANUAL = "manual", _("manual")


class LifecycleEvent(Timestamped):
    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(
        "ledger.Invoice", on_delete=models.CASCADE, related_name="lifecycle_events"
    )
    code = models.PositiveSmallIntegerField(_("status"), choices=LifecycleStatus.choices)
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=EventSource.choices, default=EventSource.MANUAL
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: the dunning pause this event opened (207/208/210)
    pause = models.ForeignKey(
        "dunning.Pause", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: the payment this event recorded (212)
    payment = models.ForeignKey(
        "ledger.Payment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "code", "date"], name="lifecycle_event_once_a_day"
            ),
            models.CheckConstraint(
                condition=Q(code__gte=200, code__lte=213), name="lifecycle_code_200_213"
            ),
        ]
        indexes = [models.Index(fields=["invoice", "date"], name="lifecycle_invoice_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.date.isoformat()}"


class InvoiceDocument(Timestamped):
    """The e-invoice file an invoice or credit note was imported from, with its check."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    invoice = models.OneToOneField(
        "ledger.Invoice",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="einvoice_document",
    )
    credit_note = models.OneToOneField(
        "ledger.CreditNote",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="einvoice_document",
    )
    file = models.FileField(_("file"), upload_to="einvoices/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    file_format = models.CharField(_("format"), max_length=4)  # pdf / xml
    syntax = models.CharField(_("syntax"), max_length=12)
    profile = models.CharField(_("profile"), max_length=20)
    #: the mention check at import: [{"code", "status", "en", "fr", "basis"}]
    findings = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(invoice__isnull=False, credit_note__isnull=True)
                | Q(invoice__isnull=True, credit_note__isnull=False),
                name="einvoice_document_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.file_name
