"""Bank accounts of a creditor, the statements imported for them and their lines.

A line is stored once per account (its `line_id`, the bank's reference or a digest
of its fields): a statement read twice, or a notification and the statement that
books the same entry, never count a payment twice. The database enforces it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.core.models import Timestamped, money
from relance.domain.money import Money


class BankAccount(Timestamped):
    creditor = models.ForeignKey(
        "creditors.Creditor", on_delete=models.PROTECT, related_name="bank_accounts"
    )
    iban = models.CharField(
        _("IBAN"), max_length=64, help_text=_("The IBAN, or the bank's account identifier.")
    )
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        ordering = ["iban"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "iban"], name="bankaccount_unique_iban")
        ]

    def __str__(self) -> str:
        return self.name or self.iban


class BankStatement(models.Model):
    creditor = models.ForeignKey(
        "creditors.Creditor", on_delete=models.PROTECT, related_name="bank_statements"
    )
    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="statements")
    statement_id = models.CharField(_("statement id"), max_length=140)
    format = models.CharField(_("format"), max_length=30)
    currency = models.CharField(_("currency"), max_length=3)
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    opening_minor = models.BigIntegerField(_("opening balance"), null=True, blank=True)
    closing_minor = models.BigIntegerField(_("closing balance"), null=True, blank=True)
    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "statement_id"], name="bankstatement_unique_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.statement_id}"

    @property
    def opening(self) -> Money | None:
        return money(self.opening_minor, self.currency) if self.opening_minor is not None else None

    @property
    def closing(self) -> Money | None:
        return money(self.closing_minor, self.currency) if self.closing_minor is not None else None


class LineKind(models.TextChoices):
    CREDIT = "credit", _("credit")
    DEBIT = "debit", _("debit")
    RETURN = "return", _("return")


class LineStatus(models.TextChoices):
    NEW = "new", _("new")
    MATCHED = "matched", _("matched")
    TO_REVIEW = "to_review", _("to review")
    IGNORED = "ignored", _("ignored")


class BankLine(models.Model):
    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="lines")
    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    line_id = models.CharField(_("line id"), max_length=140)
    booking_date = models.DateField(_("booked on"))
    value_date = models.DateField(_("value date"), null=True, blank=True)
    amount_minor = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices)
    counterparty_name = models.CharField(_("counterparty"), max_length=200, blank=True)
    counterparty_iban = models.CharField(_("counterparty IBAN"), max_length=34, blank=True)
    counterparty_bic = models.CharField(_("counterparty BIC"), max_length=11, blank=True)
    references = models.JSONField(_("references"), default=list, blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=140, blank=True)
    uetr = models.CharField("UETR", max_length=64, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=140, blank=True)
    return_reason = models.CharField(_("return reason"), max_length=35, blank=True)
    source_line = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=LineStatus.choices, default=LineStatus.NEW
    )
    payment = models.ForeignKey(
        "ledger.Payment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bank_lines",
        help_text=_("The payment this line created, once matched."),
    )
    returned_line = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="returns",
        help_text=_("For a return: the earlier line whose money came back."),
    )

    class Meta:
        ordering = ["booking_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "line_id"], name="bankline_unique_line_id")
        ]
        indexes = [
            models.Index(fields=["creditor", "status"], name="bankline_status_idx"),
            models.Index(fields=["creditor", "end_to_end_id"], name="bankline_e2e_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount} {self.counterparty_name}"

    @property
    def amount(self) -> Money:
        return money(self.amount_minor, self.currency)
