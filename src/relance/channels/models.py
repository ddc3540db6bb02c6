"""What the channels keep: captured messages (the demo and test backend) and the archive.

`Correspondence` is the immutable archive of every message sent, whatever the channel
and backend: rendered content, recipient, time, delivery status and SHA-256 of the
content. Only its delivery status changes afterwards (delivery feedback).
"""

from __future__ import annotations

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _


class CapturedMessage(models.Model):
    """A message "sent" by the capture backend: stored, shown in the UI, never delivered."""

    channel = models.CharField(max_length=20)
    idempotency_key = models.CharField(max_length=120, unique=True)
    recipient = models.TextField()
    recipient_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient_name or self.recipient}: {self.subject}"


class DeliveryStatus(models.TextChoices):
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    BOUNCED = "bounced", _("bounced")
    COMPLAINED = "complained", _("complained")


def content_hash(subject: str, body: str, recipient: str, attachment: bytes = b"") -> str:
    digest = hashlib.sha256()
    for part in (recipient, subject, body):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    digest.update(attachment)
    return digest.hexdigest()


class Correspondence(models.Model):
    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="correspondence"
    )
    action = models.OneToOneField(
        "dunning.Action",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correspondence",
    )
    channel = models.CharField(max_length=20)
    backend = models.CharField(max_length=40)
    provider_id = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    recipient = models.TextField()
    recipient_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    #: the letter PDF (or another single attachment) exactly as sent
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment = models.BinaryField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    sent_at = models.DateTimeField()
    delivery_status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.SENT
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name_plural = "correspondence"

    def __str__(self) -> str:
        return f"{self.sent_at:%Y-%m-%d} {self.channel} → {self.recipient_name or self.recipient}"

    def content_intact(self) -> bool:
        attachment = bytes(self.attachment) if self.attachment else b""
        return self.sha256 == content_hash(self.subject, self.body, self.recipient, attachment)
