"""Debtors' replies: the inbound message as received, how it was matched, how it was read.

A `Reply` is stored once per creditor and Message-ID (the same message polled twice, or
posted twice by a provider, is one row). Its raw bytes are kept as a document (under
RELANCE_DATA_DIR/documents, outside the web root) with their SHA-256; the text shown is
plain text (an HTML body is converted, never rendered). Its attachments are kept beside
it, or listed with the reason they were refused.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    TO_HANDLE = "to_handle", _("to handle")
    HANDLED = "handled", _("handled")
    UNMATCHED = "unmatched", _("unmatched")
    IGNORED = "ignored", _("ignored")


class Kind(models.TextChoices):
    """The kinds of `relance.domain.replies.Kind`, with their labels."""

    PROMISE = "promise", _("promise to pay")
    DISPUTE = "dispute", _("dispute")
    PAYMENT_MADE = "payment_made", _("payment made (remittance advice)")
    INVOICE_COPY = "invoice_copy", _("copy of an invoice requested")
    OUT_OF_OFFICE = "out_of_office", _("out of office (automatic reply)")
    OTHER = "other", _("other")


class MatchMethod(models.TextChoices):
    TOKEN = "token", _("reply address")
    THREAD = "thread", _("answers a message sent")
    SENDER = "sender", _("sender is a contact")
    INVOICE = "invoice", _("invoice numbers quoted")
    MANUAL = "manual", _("assigned by a person")
    NONE = "", _("not matched")


class Source(models.TextChoices):
    IMAP = "imap", "IMAP"
    BREVO = "brevo", "Brevo"
    OTHER = "other", _("other")


class Reply(models.Model):
    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replies",
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    #: as in the message, "<…>"; made from the SHA-256 of the raw message when it has none
    message_id = models.CharField(max_length=250)
    in_reply_to = models.TextField(blank=True)
    references = models.TextField(blank=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    to = models.TextField(_("to"), blank=True)
    cc = models.TextField(blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    #: the Date header (None when absent or unreadable)
    sent_at = models.DateTimeField(_("date"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"))
    text = models.TextField(blank=True)
    #: what was wrong with the message as received (no Message-ID, a charset…)
    problems = models.JSONField(default=list, blank=True)
    raw = models.FileField(upload_to="replies/%Y/%m/")
    raw_sha256 = models.CharField(max_length=64)
    raw_size = models.PositiveBigIntegerField(default=0)

    match_method = models.CharField(max_length=10, choices=MatchMethod.choices, blank=True)
    match_reason = models.CharField(max_length=500, blank=True)
    #: the archived message this one answers (In-Reply-To / References)
    correspondence = models.ForeignKey(
        "channels.Correspondence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
    )

    suggested = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    #: extracted fields of the suggestion: {"date", "amount", "currency", "invoices"}
    suggested_fields = models.JSONField(default=dict, blank=True)
    #: the rules that fired: [{"rule", "kind", "evidence"}]
    suggested_rules = models.JSONField(default=list, blank=True)
    classification = models.CharField(
        _("classification"), max_length=16, choices=Kind.choices, blank=True
    )
    fields = models.JSONField(default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    status = models.CharField(max_length=10, choices=Status.choices)
    #: the customer's dunning pause while this reply waits to be handled
    pause = models.ForeignKey(
        "dunning.Pause", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "replies"
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "message_id"], name="reply_unique_message_id"
            ),
            models.CheckConstraint(
                condition=~Q(status="unmatched") | Q(customer__isnull=True),
                name="reply_unmatched_has_no_customer",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["to_handle", "handled"]) | Q(customer__isnull=False),
                name="reply_handled_has_customer",
            ),
        ]
        indexes = [
            models.Index(fields=["creditor", "status"], name="reply_creditor_status"),
            models.Index(fields=["customer", "received_at"], name="reply_customer_received"),
        ]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject}"

    def raw_intact(self) -> bool:
        """The stored raw message still has the SHA-256 taken when it was received."""
        try:
            with self.raw.open("rb") as handle:
                return hashlib.sha256(handle.read()).hexdigest() == self.raw_sha256
        except (OSError, ValueError):
            return False


class ReplyAttachment(models.Model):
    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, blank=True)
    #: empty when refused
    file = models.FileField(upload_to="replies/%Y/%m/", blank=True)
    #: why it was not kept (too large, a forbidden type): empty when kept
    refused = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
