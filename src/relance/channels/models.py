"""What the channels keep: captured messages (the demo and test backend) and the archive.

`CapturedMessage` is what the capture backend "sent": one row per idempotency key, with
every attachment of the message as a `CapturedAttachment`, in order.

`Correspondence` is the immutable archive of every message sent, whatever the channel
and backend: rendered content, recipient, time, delivery status and SHA-256 of the
content; each attachment is a `CorrespondenceAttachment` with its own SHA-256. Only the
delivery status changes afterwards (delivery feedback).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
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
    #: registered letters: the tracking number the capture backend gave it
    tracking_number = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient_name or self.recipient}: {self.subject}"


class CapturedAttachment(models.Model):
    """One file of a captured message, exactly as handed to the backend; `position` (from 1)
    keeps the order of the message."""

    message = models.ForeignKey(
        CapturedMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    position = models.PositiveSmallIntegerField()
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["message", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "position"], name="captured_attachment_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.content_type})"


class DeliveryStatus(models.TextChoices):
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    OPENED = "opened", _("opened")
    BOUNCED = "bounced", _("bounced")
    REJECTED = "rejected", _("rejected")
    COMPLAINED = "complained", _("complained")
    PRESENTED = "presented", _("presented")  # a registered letter presented, not yet signed for


#: How the archive's content hash is computed (`Correspondence.hash_version`):
#: 1 — the rows archived before messages kept several attachments: recipient, subject and
#:     body, then the bytes of the one attachment (if any);
#: 2 — recipient, subject and body, then each attachment in order as its file name, its
#:     type and the SHA-256 of its content (each attachment keeps its own SHA-256).
#: A stored hash is never recomputed under another version: that would hide an alteration.
HASH_VERSION = 2


def attachment_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def content_hash(
    subject: str,
    body: str,
    recipient: str,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    *,
    version: int = HASH_VERSION,
) -> str:
    """The SHA-256 of an archived message: `attachments` are (file name, type, content).

    Without attachments both versions give the same hash."""
    digest = hashlib.sha256()
    for part in (recipient, subject, body):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    if version == 1:
        if len(attachments) > 1:
            raise ValueError("hash version 1 covers at most one attachment")
        for _name, _mimetype, content in attachments:
            digest.update(content)
    elif version == 2:
        for name, mimetype, content in attachments:
            for part in (name, mimetype, attachment_hash(content)):
                digest.update(part.encode("utf-8"))
                digest.update(b"\x00")
    else:
        raise ValueError(f"unknown hash version {version}")
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class AttachmentCheck:
    attachment: CorrespondenceAttachment
    computed_sha256: str

    @property
    def intact(self) -> bool:
        return self.computed_sha256 == self.attachment.sha256


@dataclass(frozen=True, slots=True)
class ContentCheck:
    """An archived message's stored hashes against hashes recomputed from its content."""

    computed_sha256: str
    message_intact: bool
    attachments: list[AttachmentCheck]

    @property
    def intact(self) -> bool:
        return self.message_intact and all(a.intact for a in self.attachments)


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
    sha256 = models.CharField(max_length=64)
    #: how `sha256` was computed (see HASH_VERSION); the attachments are in `attachments`
    hash_version = models.PositiveSmallIntegerField(default=HASH_VERSION)
    sent_at = models.DateTimeField()
    delivery_status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.SENT
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name_plural = "correspondence"

    def __str__(self) -> str:
        return f"{self.sent_at:%Y-%m-%d} {self.channel} → {self.recipient_name or self.recipient}"

    def verify(self) -> ContentCheck:
        """Recompute the message's hash and each attachment's from the stored content."""
        files = list(self.attachments.all())
        contents = [bytes(f.content) for f in files]
        computed = content_hash(
            self.subject,
            self.body,
            self.recipient,
            [(f.filename, f.mimetype, c) for f, c in zip(files, contents, strict=True)],
            version=self.hash_version,
        )
        return ContentCheck(
            computed,
            computed == self.sha256,
            [AttachmentCheck(f, attachment_hash(c)) for f, c in zip(files, contents, strict=True)],
        )

    def content_intact(self) -> bool:
        return self.verify().intact


class CorrespondenceAttachment(models.Model):
    """One file an archived message carried (a letter PDF, an invoice, a statement…),
    exactly as sent, with its own SHA-256; `position` keeps the order of the message."""

    correspondence = models.ForeignKey(
        Correspondence, on_delete=models.PROTECT, related_name="attachments"
    )
    position = models.PositiveSmallIntegerField()
    filename = models.CharField(max_length=200)
    mimetype = models.CharField(max_length=100)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["correspondence", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["correspondence", "position"], name="correspondence_attachment_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.mimetype})"

    @property
    def size(self) -> int:
        return len(self.content)


class DeliveryEvent(models.Model):
    """One delivery report received for an archived message (a provider webhook, or a person).

    Kept as received: the archive's delivery status is derived from the latest meaningful
    event, and the history explains it."""

    correspondence = models.ForeignKey(
        Correspondence, on_delete=models.CASCADE, related_name="delivery_events"
    )
    source = models.CharField(max_length=40)  # "brevo", "brevo-sms", "manual"…
    event = models.CharField(max_length=20)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.event} {self.occurred_at:%Y-%m-%d %H:%M}"


class RegisteredMail(models.Model):
    """The tracking of a registered letter (lettre recommandée avec accusé de réception).

    `presented_on` is the first presentation at the address (first attempt of the postman,
    which starts the legal effects of a formal notice even when the letter is not signed
    for); `acknowledged_on` the date on the signed acknowledgment (AR)."""

    correspondence = models.OneToOneField(
        Correspondence, on_delete=models.PROTECT, related_name="registered"
    )
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    presented_on = models.DateField(_("first presented on"), null=True, blank=True)
    acknowledged_on = models.DateField(_("acknowledgment (AR) signed on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=40, blank=True)  # provider name, or "manual"

    def __str__(self) -> str:
        return self.tracking_number or f"registered letter {self.correspondence_id}"


class ContactRuleSettings(models.Model):
    """A creditor's contact rules (relance.domain.contact_rules); absent: the defaults.

    Calls per day can be lowered to 0, never raised above 1 (checked by the model, the
    API, the domain and a database constraint)."""

    creditor = models.OneToOneField(
        "creditors.Creditor", on_delete=models.CASCADE, related_name="contact_rules"
    )
    calls_per_day = models.PositiveSmallIntegerField(_("calls per day (at most 1)"), default=1)
    cooldown_days = models.PositiveSmallIntegerField(_("cooldown (days)"), default=3)
    weekly_email = models.PositiveSmallIntegerField(_("emails per week"), default=3)
    weekly_sms = models.PositiveSmallIntegerField(_("SMS per week"), default=2)
    weekly_call = models.PositiveSmallIntegerField(_("calls per week"), default=3)
    weekly_letter = models.PositiveSmallIntegerField(_("letters per week"), default=2)
    weekly_registered_letter = models.PositiveSmallIntegerField(
        _("registered letters per week"), default=1
    )
    #: courtesy windows: days as digits 0 (Monday) to 6, hours [start, end) local time
    call_days = models.CharField(_("call days (0 = Monday)"), max_length=7, default="01234")
    call_start = models.TimeField(_("calls from"), default=time(9, 0))
    call_end = models.TimeField(_("calls until"), default=time(19, 0))
    sms_days = models.CharField(_("SMS days (0 = Monday)"), max_length=7, default="01234")
    sms_start = models.TimeField(_("SMS from"), default=time(9, 0))
    sms_end = models.TimeField(_("SMS until"), default=time(19, 0))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contact rules")
        verbose_name_plural = _("contact rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(calls_per_day__lte=1), name="contact_rules_one_call_a_day"
            ),
            models.CheckConstraint(
                condition=models.Q(call_start__lt=models.F("call_end"))
                & models.Q(sms_start__lt=models.F("sms_end")),
                name="contact_rules_windows_open",
            ),
        ]

    def __str__(self) -> str:
        return f"contact rules of creditor {self.creditor_id}"

    def clean(self) -> None:
        from relance.channels.rules import problems

        found = problems(self)
        if found:
            raise ValidationError({name: message for name, message in found})


class SenderIdentity(models.Model):
    """Who a creditor's emails come from, and where replies go.

    Blank fields fall back to the creditor: its trade name (or legal name) and email; the
    From address falls back to DEFAULT_FROM_EMAIL when the creditor has no email. Use a From
    address on a domain whose SPF/DKIM the sending server is allowed for, and the
    creditor's own mailbox as Reply-To."""

    creditor = models.OneToOneField(
        "creditors.Creditor", on_delete=models.CASCADE, related_name="sender_identity"
    )
    from_name = models.CharField(_("sender name"), max_length=200, blank=True)
    from_email = models.EmailField(_("sender address (From)"), blank=True)
    reply_to = models.EmailField(_("reply-to address"), blank=True)
    #: a mailbox relance reads (RELANCE_IMAP_URL, or an inbound webhook): when set, each
    #: email's Reply-To is this address tagged with a signed token naming the customer
    #: (`local+r-<token>@domain`), so that replies are matched to it (docs/replies.md)
    reply_address = models.EmailField(
        _("tracked reply address (read by relance)"),
        blank=True,
        help_text=_(
            "Replies go to this address with a tag naming the customer, and relance files "
            "them on the customer's timeline. Leave empty to keep the reply-to address."
        ),
    )
    attach_invoices = models.BooleanField(_("attach the invoice PDFs to emails"), default=True)

    class Meta:
        verbose_name = _("sender identity")
        verbose_name_plural = _("sender identities")

    def __str__(self) -> str:
        return f"sender identity of creditor {self.creditor_id}"

    def clean(self) -> None:
        from relance.domain.reply_token import make_address

        if self.reply_address:
            try:  # room for ids up to two billion
                make_address(self.reply_address, 2**31, 2**31, b"check")
            except ValueError as exc:
                raise ValidationError({"reply_address": str(exc)}) from exc
