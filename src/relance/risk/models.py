"""Risk: behaviour profiles, segments, credit holds, orders, onboarding, hold webhooks.

`RiskProfile` is derived data, recomputed from the ledger by `services.recompute`
(set-based) or `services.recompute_customer`; the other models are facts entered
by people or integrations (orders, overrides, onboarding answers, settings).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from relance.core.models import Timestamped
from relance.domain.credit import DepositRule, HoldRules
from relance.domain.segments import Segment


class SegmentChoices(models.TextChoices):
    NEW = Segment.NEW.value, _("new customer")
    GOOD_PAYER = Segment.GOOD_PAYER.value, _("good payer")
    FIRST_TIME_LATE = Segment.FIRST_TIME_LATE.value, _("first-time late")
    OCCASIONAL_LATE = Segment.OCCASIONAL_LATE.value, _("occasionally late")
    CHRONIC_LATE = Segment.CHRONIC_LATE.value, _("chronically late")
    IN_DIFFICULTY = Segment.IN_DIFFICULTY.value, _("in difficulty")
    AVOIDER = Segment.AVOIDER.value, _("avoider")


class RiskSettings(Timestamped):
    """Per-creditor risk settings (created with the defaults on first use)."""

    creditor = models.OneToOneField(
        "creditors.Creditor", on_delete=models.CASCADE, related_name="risk_settings"
    )
    onboarding_required = models.BooleanField(
        _("onboarding checklist required before the first sale on credit"), default=True
    )
    #: customers created before this moment count as onboarded
    onboarding_since = models.DateTimeField(_("checklist required for customers created after"))
    use_suggested_limit = models.BooleanField(
        _("use the suggested limit when none is set"), default=False
    )
    hold_overdue_days = models.PositiveIntegerField(
        _("hold when an invoice is overdue by more than (days)"), null=True, blank=True, default=60
    )
    hold_overdue_minor = models.BigIntegerField(
        _("hold when the overdue amount exceeds (minor units)"), null=True, blank=True
    )
    deposit_new_percent = models.PositiveSmallIntegerField(
        _("deposit, new customer (%)"), default=30
    )
    deposit_min_percent = models.PositiveSmallIntegerField(_("deposit, minimum (%)"), default=30)
    deposit_max_percent = models.PositiveSmallIntegerField(_("deposit, maximum (%)"), default=45)
    deposit_from_days = models.PositiveSmallIntegerField(
        _("deposit rises from (average days late)"), default=10
    )
    deposit_to_days = models.PositiveSmallIntegerField(
        _("deposit reaches its maximum at (average days late)"), default=60
    )
    webhook_url = models.URLField(_("hold webhook URL"), blank=True)
    webhook_secret = models.CharField(_("hold webhook secret"), max_length=128, blank=True)

    class Meta:
        verbose_name_plural = "risk settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(deposit_min_percent__lte=models.F("deposit_max_percent"))
                & Q(deposit_max_percent__lte=100)
                & Q(deposit_new_percent__lte=100)
                & Q(deposit_from_days__lt=models.F("deposit_to_days")),
                name="risk_settings_deposit_consistent",
            ),
        ]

    def hold_rules(self) -> HoldRules:
        return HoldRules(
            max_overdue_days=self.hold_overdue_days, max_overdue_minor=self.hold_overdue_minor
        )

    def deposit_rule(self) -> DepositRule:
        return DepositRule(
            new_percent=self.deposit_new_percent,
            min_percent=self.deposit_min_percent,
            max_percent=self.deposit_max_percent,
            from_days=self.deposit_from_days,
            to_days=self.deposit_to_days,
        )


class RiskProfile(models.Model):
    """A customer's payment behaviour at `as_of`, its segment and credit state (derived)."""

    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="risk_profile",
    )
    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField()
    currency = models.CharField(max_length=3)
    tenure_days = models.IntegerField(default=0)
    invoices = models.IntegerField(default=0)
    settled = models.IntegerField(default=0)
    settled_late = models.IntegerField(default=0)
    open_overdue_invoices = models.IntegerField(default=0)
    revenue_12m_minor = models.BigIntegerField(default=0)
    open_minor = models.BigIntegerField(default=0)
    overdue_minor = models.BigIntegerField(default=0)
    oldest_overdue_days = models.IntegerField(default=0)
    average_days_late = models.DecimalField(max_digits=8, decimal_places=1, null=True)
    weighted_days_late = models.DecimalField(max_digits=8, decimal_places=1, null=True)
    share_paid_late = models.DecimalField(max_digits=4, decimal_places=3, null=True)
    #: average days late of the invoices due in the last 6 months / the 6 months before
    recent_days_late = models.DecimalField(max_digits=8, decimal_places=1, null=True)
    previous_days_late = models.DecimalField(max_digits=8, decimal_places=1, null=True)
    #: disputes open on the as-of date (relance.negotiation.disputes)
    disputes = models.IntegerField(default=0)
    #: share of the promises to pay judged that were kept in full; null while none was judged
    promises_kept_ratio = models.DecimalField(max_digits=4, decimal_places=3, null=True)
    last_payment = models.DateField(null=True)
    partial_payments = models.IntegerField(default=0)
    reminders_unanswered = models.IntegerField(default=0)
    reminders_bounced = models.IntegerField(default=0)
    segment = models.CharField(_("risk segment"), max_length=20, choices=SegmentChoices.choices)
    #: [[English template, {name: value}], …]
    segment_reasons = models.JSONField(default=list)
    suggested_limit_minor = models.BigIntegerField(default=0)
    deposit_percent = models.PositiveSmallIntegerField(default=0)
    on_hold = models.BooleanField(default=False)
    #: [[code, English template, {name: value}], …]
    hold_reasons = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["creditor", "segment"], name="risk_profile_segment_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.segment}"

    @property
    def trend_days(self) -> object:
        """Recent minus previous average days late (negative: improving); None if unknown."""
        if self.recent_days_late is None or self.previous_days_late is None:
            return None
        return self.recent_days_late - self.previous_days_late


class CreditOverride(Timestamped):
    """A manual decision on the hold of one customer, with its reason (audited)."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="credit_override"
    )
    #: True: on hold whatever the rules; False: released whatever the rules
    hold = models.BooleanField(_("hold"))
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="override_needs_reason")
        ]


class Order(Timestamped):
    """An order taken but not invoiced yet: it counts in the exposure until deleted."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="open_orders"
    )
    reference = models.CharField(_("reference"), max_length=64)
    currency = models.CharField(_("currency"), max_length=3)
    amount_minor = models.BigIntegerField(_("amount"))
    deposit_percent = models.PositiveSmallIntegerField(_("deposit asked (%)"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "reference"], name="order_unique_ref"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="order_amount_positive"),
        ]


class Onboarding(Timestamped):
    """The checklist of a new customer before its first sale on credit."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="onboarding"
    )
    registry_checked_at = models.DateTimeField(null=True, blank=True)
    registry_backend = models.CharField(max_length=40, blank=True)
    registry_name = models.CharField(max_length=200, blank=True)
    registry_active = models.BooleanField(null=True)
    registry_data = models.JSONField(default=dict, blank=True)
    questions_asked = models.BooleanField(_("credit questions asked"), default=False)
    terms_sent = models.BooleanField(_("payment terms sent"), default=False)
    risk_note = models.TextField(_("risk note"), blank=True)


class WebhookDelivery(models.Model):
    """One hold event to deliver to the creditor's webhook URL (body signed as sent)."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=40)
    url = models.URLField()
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    #: when the next attempt is due; empty once delivered, or given up after MAX_ATTEMPTS
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["delivered_at", "created_at"],
                condition=Q(delivered_at__isnull=True),
                name="webhook_pending_idx",
            ),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(next_attempt_at__isnull=False),
                name="webhook_next_attempt_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.customer_id} ({self.created_at:%Y-%m-%d %H:%M})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField()
    status_code = models.IntegerField(null=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.IntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.at}: {self.status_code or self.error}"
