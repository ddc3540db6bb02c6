"""Invoices, credit notes, payments and allocations.

The open balance of an invoice is derived from its allocations and can never
disagree with them: `allocated_minor` is maintained by database triggers on the
allocation table (see migrations/0002_triggers.py) whatever code writes the
allocation, `open_minor` is a generated column, and CHECK constraints refuse an
allocation that would take an invoice, payment or credit note below zero or
above its total. Issued invoices are never modified by relance: corrections are
credit notes, penalties are separate penalty invoices.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from relance.core.models import Source, Timestamped, money
from relance.domain.money import Money


class InvoiceStatus(models.TextChoices):
    """Lifecycle state set by people or imports. Paid / open is derived from allocations."""

    ISSUED = "issued", _("issued")
    CANCELLED = "cancelled", _("cancelled")


def _open_expr(total: str) -> models.expressions.CombinedExpression:
    return F(total) - F("allocated_minor")


class Invoice(Timestamped):
    creditor = models.ForeignKey(
        "creditors.Creditor", on_delete=models.PROTECT, related_name="invoices"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(_("number"), max_length=64)
    issue_date = models.DateField(_("issue date"))
    delivery_date = models.DateField(_("delivery / service date"), null=True, blank=True)
    due_date = models.DateField(_("due date"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    total_excl_tax_minor = models.BigIntegerField(_("total excl. tax"), default=0)
    total_incl_tax_minor = models.BigIntegerField(_("total incl. tax"))
    allocated_minor = models.BigIntegerField(default=0, editable=False)
    open_minor = models.GeneratedField(
        expression=_open_expr("total_incl_tax_minor"),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )
    po_number = models.CharField(_("purchase order"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    import_batch = models.ForeignKey(
        "imports.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pdf = models.FileField(_("PDF"), upload_to="invoices/%Y/%m/", blank=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "number"], name="invoice_unique_number"),
            models.CheckConstraint(
                condition=Q(total_incl_tax_minor__gte=0), name="invoice_total_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(allocated_minor__gte=0), name="invoice_allocated_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(allocated_minor__lte=F("total_incl_tax_minor")),
                name="invoice_not_over_allocated",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("issue_date")), name="invoice_due_after_issue"
            ),
        ]
        indexes = [
            # Covers the aging query: only open invoices, every column it reads, so
            # aging over a million invoices reads this index and never the table.
            models.Index(
                fields=["creditor", "currency", "due_date", "issue_date", "status", "open_minor"],
                condition=Q(open_minor__gt=0),
                name="invoice_open_idx",
            ),
            models.Index(fields=["customer", "due_date"], name="invoice_customer_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def total(self) -> Money:
        return money(self.total_incl_tax_minor, self.currency)

    @property
    def total_excl_tax(self) -> Money:
        return money(self.total_excl_tax_minor, self.currency)

    @property
    def allocated(self) -> Money:
        return money(self.allocated_minor, self.currency)

    @property
    def open(self) -> Money:
        return money(self.total_incl_tax_minor - self.allocated_minor, self.currency)

    @property
    def is_paid(self) -> bool:
        return self.allocated_minor >= self.total_incl_tax_minor


class CreditNote(Timestamped):
    creditor = models.ForeignKey(
        "creditors.Creditor", on_delete=models.PROTECT, related_name="credit_notes"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="credit_notes"
    )
    number = models.CharField(_("number"), max_length=64)
    issue_date = models.DateField(_("issue date"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    total_excl_tax_minor = models.BigIntegerField(_("total excl. tax"), default=0)
    total_incl_tax_minor = models.BigIntegerField(_("total incl. tax"))
    allocated_minor = models.BigIntegerField(default=0, editable=False)
    unallocated_minor = models.GeneratedField(
        expression=_open_expr("total_incl_tax_minor"),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("corrected invoice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="credit_notes",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    pdf = models.FileField(_("PDF"), upload_to="credit_notes/%Y/%m/", blank=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "number"], name="credit_note_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(total_incl_tax_minor__gt=0), name="credit_note_total_positive"
            ),
            models.CheckConstraint(
                condition=Q(allocated_minor__gte=0), name="credit_note_allocated_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(allocated_minor__lte=F("total_incl_tax_minor")),
                name="credit_note_not_over_allocated",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def total(self) -> Money:
        return money(self.total_incl_tax_minor, self.currency)

    @property
    def unallocated(self) -> Money:
        return money(self.total_incl_tax_minor - self.allocated_minor, self.currency)


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("bank transfer")
    DIRECT_DEBIT = "direct_debit", _("direct debit")
    CARD = "card", _("card")
    CHEQUE = "cheque", _("cheque")
    CASH = "cash", _("cash")
    OTHER = "other", _("other")


class Payment(Timestamped):
    creditor = models.ForeignKey(
        "creditors.Creditor", on_delete=models.PROTECT, related_name="payments"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="payments",
        null=True,
        blank=True,
        help_text=_("Empty while the payer is not identified."),
    )
    external_ref = models.CharField(_("external reference"), max_length=100, null=True, blank=True)
    date = models.DateField(_("date"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    amount_minor = models.BigIntegerField(_("amount"))
    allocated_minor = models.BigIntegerField(default=0, editable=False)
    unallocated_minor = models.GeneratedField(
        expression=_open_expr("amount_minor"),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )
    method = models.CharField(
        _("method"), max_length=15, choices=PaymentMethod.choices, default=PaymentMethod.TRANSFER
    )
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    payer_name = models.CharField(_("payer name"), max_length=200, blank=True)
    payer_iban = models.CharField(_("payer IBAN"), max_length=34, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    import_batch = models.ForeignKey(
        "imports.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "external_ref"], name="payment_unique_external_ref"
            ),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(allocated_minor__gte=0), name="payment_allocated_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(allocated_minor__lte=F("amount_minor")),
                name="payment_not_over_allocated",
            ),
        ]
        indexes = [models.Index(fields=["creditor", "date"], name="payment_date_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.amount}"

    @property
    def amount(self) -> Money:
        return money(self.amount_minor, self.currency)

    @property
    def unallocated(self) -> Money:
        return money(self.amount_minor - self.allocated_minor, self.currency)


class Allocation(models.Model):
    """Part of a payment or credit note applied to an invoice (lettrage). Partial allowed."""

    creditor = models.ForeignKey(
        "creditors.Creditor", on_delete=models.PROTECT, related_name="allocations"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        CreditNote, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    amount_minor = models.BigIntegerField(_("amount"))
    date = models.DateField(_("date"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="allocation_amount_positive"
            ),
            models.CheckConstraint(
                condition=(Q(payment__isnull=False) & Q(credit_note__isnull=True))
                | (Q(payment__isnull=True) & Q(credit_note__isnull=False)),
                name="allocation_exactly_one_source",
            ),
        ]
        indexes = [
            models.Index(fields=["invoice", "date"], name="allocation_invoice_idx"),
            models.Index(fields=["creditor", "date"], name="allocation_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor} → {self.invoice_id}"
