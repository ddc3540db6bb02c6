"""Negotiation with a debtor: disputes, promises to pay, payment plans, settlements, the
margins each role may grant alone and the approval requests above them, call logs and notes.

How these objects drive the dunning engine: each active dispute, promise or plan holds
`relance.dunning.models.Pause` rows (an invoice, or part of one with `Pause.amount_minor`),
which the run and the worker's re-check already honour; ending the object ends its pauses.
Use cases live in the app's service modules, never in `save()` or signals.

Amounts are integer minor units of `currency` (see relance.core.models).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from relance.core.models import Timestamped


class Source(models.TextChoices):
    """Where a negotiation object came from."""

    MANUAL = "manual", _("entered by a person")
    CALL = "call", _("phone call")
    MEETING = "meeting", _("meeting")
    EMAIL = "email", _("email")
    REPLY = "reply", _("reply to a reminder")
    LETTER = "letter", _("letter")
    SMS = "sms", _("SMS")
    PORTAL = "portal", _("debtor portal")
    API = "api", _("API")
    EINVOICE = "einvoice", _("e-invoicing platform status")


# --------------------------------------------------------------------------- disputes


class DisputeReason(models.TextChoices):
    PRICE = "price", _("price")
    QUANTITY = "quantity", _("quantity")
    QUALITY = "quality", _("quality")
    NOT_RECEIVED = "not_received", _("goods or service not received")
    MISSING_PO = "missing_po", _("missing purchase order")
    NOT_VALIDATED = "not_validated", _("invoice not validated or technical problem")
    ORGANISATIONAL = "organisational", _("organisational")
    OTHER = "other", _("other")


class DisputeStatus(models.TextChoices):
    # "dispute" context: the French words agree with "litige", not with the invoices' "open"
    OPEN = "open", pgettext_lazy("dispute", "open")
    IN_PROGRESS = "in_progress", _("being investigated")
    RESOLVED = "resolved", pgettext_lazy("dispute", "resolved")


class DisputeResolution(models.TextChoices):
    CREDIT_NOTE = "credit_note", _("credit note issued")
    CORRECTED_INVOICE = "corrected_invoice", _("corrected invoice issued")
    REJECTED = "rejected", _("dispute rejected: the amount is due")
    PAID = "paid", pgettext_lazy("dispute", "paid")
    WITHDRAWN = "withdrawn", _("withdrawn by the customer")


class Dispute(Timestamped):
    """A customer contests one or several invoices, or amounts of them."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="disputes"
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    reason = models.CharField(_("reason"), max_length=20, choices=DisputeReason.choices)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    resolution = models.CharField(
        _("resolution"), max_length=20, choices=DisputeResolution.choices, blank=True
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)
    #: resolution "credit_note": the ledger's credit note that settles the disputed amount
    credit_note = models.ForeignKey(
        "ledger.CreditNote",
        verbose_name=_("credit note"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    #: resolution "corrected_invoice": the invoice issued to replace the disputed one, if known
    corrected_invoice = models.ForeignKey(
        "ledger.Invoice",
        verbose_name=_("corrected invoice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_on = models.DateField(_("opened on"))
    #: the date by which the dispute should be resolved (shown in the worklist)
    due_on = models.DateField(_("to resolve by"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("dispute")
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["creditor", "status"], name="dispute_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="resolved", resolved_on__isnull=False) & ~Q(resolution="")
                | (~Q(status="resolved") & Q(resolved_on__isnull=True) & Q(resolution="")),
                name="dispute_resolved_iff_resolution",
            ),
        ]

    def __str__(self) -> str:
        return f"dispute {self.pk} ({self.reason}, {self.status})"


class DisputeItem(models.Model):
    """One invoice of a dispute, wholly (`amount_minor` = its open amount) or in part."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="items")
    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.CASCADE, related_name="+")
    amount_minor = models.BigIntegerField(_("disputed amount"))
    #: the pause that holds the disputed amount back from dunning while the dispute is open
    pause = models.OneToOneField(
        "dunning.Pause", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dispute", "invoice"], name="dispute_item_unique"),
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="dispute_item_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"invoice {self.invoice_id}: {self.amount_minor}"


# --------------------------------------------------------------------------- promises


class PromiseStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    KEPT = "kept", _("kept")
    PARTLY_KEPT = "partly_kept", _("partly kept")
    BROKEN = "broken", _("broken")
    CANCELLED = "cancelled", _("cancelled")


class Promise(Timestamped):
    """A promise to pay an amount by a date, taken from the customer by someone.

    Pending, it pauses automatic reminders on its invoices (or the whole customer when it
    names none) until `promised_on` plus the grace days; the day before, a courtesy reminder
    goes out; then the payments received decide: kept, partly kept or broken. A broken
    promise ends its pause and dunning resumes at a firmer step.
    """

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="promises"
    )
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    amount_minor = models.BigIntegerField(_("amount promised"))
    promised_on = models.DateField(_("promised payment date"))
    taken_on = models.DateField(_("taken on"))
    channel = models.CharField(_("taken by"), max_length=10, choices=Source.choices)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    invoices = models.ManyToManyField("ledger.Invoice", blank=True, related_name="+")
    status = models.CharField(
        _("status"), max_length=12, choices=PromiseStatus.choices, default=PromiseStatus.PENDING
    )
    #: paid towards the promise by the time it was settled (kept, partly kept, broken)
    paid_minor = models.BigIntegerField(_("amount received"), default=0)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    #: the promise that replaced this one (a renegotiation), if any
    replaced_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: the pauses this promise holds (one per invoice, or one for the customer)
    pauses = models.ManyToManyField("dunning.Pause", blank=True, related_name="+")
    #: the courtesy reminder sent the day before (a dunning Action), once
    reminder_action = models.ForeignKey(
        "dunning.Action", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("promise to pay")
        ordering = ["-promised_on", "-id"]
        indexes = [
            models.Index(fields=["creditor", "status", "promised_on"], name="promise_due_idx")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="promise_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_minor__gte=0), name="promise_paid_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", settled_on__isnull=True)
                | (~Q(status="pending") & Q(settled_on__isnull=False)),
                name="promise_settled_iff_not_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"promise {self.pk}: {self.amount_minor} by {self.promised_on} ({self.status})"


# --------------------------------------------------------------------------- payment plans


class PlanStatus(models.TextChoices):
    NEEDS_APPROVAL = "needs_approval", _("needs approval")
    ACTIVE = "active", _("active")
    COMPLETED = "completed", _("completed")
    BREACHED = "breached", _("breached")
    CANCELLED = "cancelled", _("cancelled")
    REFUSED = "refused", _("refused")


class PaymentPlan(Timestamped):
    """An échéancier: the customer pays the listed invoices in instalments.

    Active, it pauses automatic reminders on its invoices; a reminder goes out before each
    instalment; an instalment unpaid `grace_days` after its date breaches the plan, which
    ends its pauses so that dunning resumes.
    """

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="payment_plans"
    )
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    total_minor = models.BigIntegerField(_("total of the plan"))
    invoices = models.ManyToManyField("ledger.Invoice", related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=PlanStatus.choices)
    agreed_on = models.DateField(_("agreed on"))
    #: an instalment unpaid this many days after its date breaches the plan
    grace_days = models.PositiveSmallIntegerField(_("days of grace"), default=5)
    #: days before each instalment on which its reminder is sent (0: none)
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind this many days before each instalment"), default=3
    )
    penalties_waived = models.BooleanField(_("late-payment penalties waived"), default=False)
    channel = models.CharField(_("agreed by"), max_length=10, choices=Source.choices)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=200, blank=True)
    #: SEPA direct debit of the instalments (optional): the debtor's account and mandate
    sepa_iban = models.CharField(_("debtor IBAN"), max_length=34, blank=True)
    sepa_bic = models.CharField(_("debtor BIC"), max_length=11, blank=True)
    sepa_mandate_ref = models.CharField(_("mandate reference"), max_length=35, blank=True)
    sepa_mandate_date = models.DateField(_("mandate signed on"), null=True, blank=True)
    #: the pauses this plan holds (one per invoice)
    pauses = models.ManyToManyField("dunning.Pause", blank=True, related_name="+")

    class Meta:
        verbose_name = _("payment plan")
        ordering = ["-agreed_on", "-id"]
        indexes = [models.Index(fields=["creditor", "status"], name="plan_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(total_minor__gt=0), name="plan_total_positive"),
        ]

    def __str__(self) -> str:
        return f"plan {self.pk} ({self.status})"


class InstalmentStatus(models.TextChoices):
    DUE = "due", _("due")
    PAID = "paid", _("paid")
    MISSED = "missed", _("missed")
    CANCELLED = "cancelled", _("cancelled")


class Instalment(models.Model):
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField(_("number"))
    due_on = models.DateField(_("due on"))
    amount_minor = models.BigIntegerField(_("amount"))
    paid_minor = models.BigIntegerField(_("paid"), default=0)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InstalmentStatus.choices, default=InstalmentStatus.DUE
    )
    #: the reminder sent before the instalment (a dunning Action), once
    reminder_action = models.ForeignKey(
        "dunning.Action", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="instalment_unique_number"),
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="instalment_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(paid_minor__gte=0), name="instalment_paid_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="instalment_due_idx")]

    def __str__(self) -> str:
        return f"instalment {self.number} of plan {self.plan_id}"


class PlanAgreement(models.Model):
    """The agreement PDF sent to the debtor (one per version of the plan)."""

    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="agreements")
    created_at = models.DateTimeField(auto_now_add=True)
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    #: the outbox action that sent this agreement to the debtor, once asked
    action = models.ForeignKey(
        "dunning.Action", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"agreement of plan {self.plan_id}"


# --------------------------------------------------------------------------- settlements


class SettlementStatus(models.TextChoices):
    NEEDS_APPROVAL = "needs_approval", _("needs approval")
    OFFERED = "offered", _("offered")
    ACCEPTED = "accepted", _("accepted")
    REFUSED = "refused", _("refused")
    EXPIRED = "expired", _("expired")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Settlement(Timestamped):
    """A discount offered for paying the rest by a date (transaction / remise).

    Accepted and paid, the remainder (`discount_minor`) is written off and recorded for the
    accountant; the penalties of its invoices may be waived.
    """

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="settlements"
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    invoices = models.ManyToManyField("ledger.Invoice", related_name="+")
    owed_minor = models.BigIntegerField(_("amount owed"))
    discount_minor = models.BigIntegerField(_("discount"))
    valid_until = models.DateField(_("offer valid until"))
    status = models.CharField(_("status"), max_length=16, choices=SettlementStatus.choices)
    penalties_waived = models.BooleanField(_("late-payment penalties waived"), default=True)
    offered_on = models.DateField(_("offered on"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    #: when the write-off was recorded, and what it wrote off
    written_off_on = models.DateField(_("written off on"), null=True, blank=True)
    written_off_minor = models.BigIntegerField(_("amount written off"), default=0)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: the pauses this settlement holds while it is offered or accepted (one per invoice)
    pauses = models.ManyToManyField("dunning.Pause", blank=True, related_name="+")
    #: the credit note that wrote the remainder off (issued invoices are never modified)
    write_off = models.ForeignKey(
        "ledger.CreditNote", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("settlement")
        ordering = ["-offered_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(owed_minor__gt=0), name="settlement_owed_positive"),
            models.CheckConstraint(
                condition=Q(discount_minor__gt=0) & Q(discount_minor__lt=models.F("owed_minor")),
                name="settlement_discount_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"settlement {self.pk} ({self.status})"


class PenaltyWaiver(models.Model):
    """Late-payment penalties of an invoice waived by a plan or a settlement.

    While active (`lapsed_on` empty) relance.legal.penalty_invoices bills no penalty for the
    invoice; a breached plan or an expired settlement lapses its waivers.
    """

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(
        PaymentPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="waivers"
    )
    settlement = models.ForeignKey(
        Settlement, on_delete=models.CASCADE, null=True, blank=True, related_name="waivers"
    )
    waived_on = models.DateField(_("waived on"))
    lapsed_on = models.DateField(_("lapsed on"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("penalty waiver")
        indexes = [models.Index(fields=["invoice", "lapsed_on"], name="waiver_invoice_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(plan__isnull=False, settlement__isnull=True)
                | Q(plan__isnull=True, settlement__isnull=False),
                name="waiver_plan_xor_settlement",
            ),
        ]

    def __str__(self) -> str:
        return f"penalties of invoice {self.invoice_id} waived"


# --------------------------------------------------------------------------- margins, approvals


class NegotiationMargin(models.Model):
    """What a role may grant alone; above it, an approval request goes to a credit manager.

    No row for a role: the defaults of relance.negotiation (documented in docs/negotiation.md).
    """

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=20)  # relance.accounts.models.Role
    max_extension_days = models.PositiveSmallIntegerField(_("longest extension (days)"))
    max_instalments = models.PositiveSmallIntegerField(_("most instalments"))
    #: the longest a plan may run, from its agreement to its last instalment
    max_plan_days = models.PositiveSmallIntegerField(_("longest plan (days)"))
    max_discount_percent = models.DecimalField(
        _("largest settlement discount (%)"), max_digits=5, decimal_places=2
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creditor", "role"], name="margin_unique_role"),
            models.CheckConstraint(
                condition=Q(max_discount_percent__gte=0) & Q(max_discount_percent__lte=100),
                name="margin_discount_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"margins of {self.role}"


class PortalMargin(models.Model):
    """What a debtor may obtain alone from the debtor portal (a payment plan active at once);
    beyond it, the plan waits for a credit manager's approval.

    No row: the defaults of relance.negotiation.margins.PORTAL_DEFAULTS (docs/negotiation.md).
    """

    creditor = models.OneToOneField(
        "creditors.Creditor", on_delete=models.CASCADE, related_name="+"
    )
    #: off: every plan asked for from the portal waits for an approval
    enabled = models.BooleanField(_("plans accepted automatically from the portal"), default=True)
    max_instalments = models.PositiveSmallIntegerField(_("most instalments"))
    #: the longest a plan may run, from its agreement to its last instalment
    max_plan_days = models.PositiveSmallIntegerField(_("longest plan (days)"))
    #: the first instalment at most this many days after the agreement
    first_within_days = models.PositiveSmallIntegerField(_("first instalment within (days)"))
    #: the largest amount a plan may cover, in minor units of the creditor's currency; 0: no cap
    max_total_minor = models.BigIntegerField(_("largest amount covered"), default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(max_total_minor__gte=0), name="portal_margin_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"portal margin of creditor {self.creditor_id}"


class ApprovalKind(models.TextChoices):
    PROMISE = "promise", _("extension or promise beyond the margin")
    PLAN = "plan", _("payment plan beyond the margin")
    SETTLEMENT = "settlement", _("settlement discount beyond the margin")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")


class ApprovalRequest(Timestamped):
    """A collector asks a credit manager to grant what exceeds their margin."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=ApprovalKind.choices)
    promise = models.ForeignKey(
        Promise, on_delete=models.CASCADE, null=True, blank=True, related_name="approvals"
    )
    plan = models.ForeignKey(
        PaymentPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="approvals"
    )
    settlement = models.ForeignKey(
        Settlement, on_delete=models.CASCADE, null=True, blank=True, related_name="approvals"
    )
    #: what exceeds the margin, in words ("6 instalments, the margin is 3")
    why = models.CharField(_("beyond the margin"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("approval request")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="promise", promise__isnull=False, plan__isnull=True)
                    & Q(settlement__isnull=True)
                )
                | (
                    Q(kind="plan", plan__isnull=False, promise__isnull=True)
                    & Q(settlement__isnull=True)
                )
                | (
                    Q(kind="settlement", settlement__isnull=False, promise__isnull=True)
                    & Q(plan__isnull=True)
                ),
                name="approval_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"approval {self.pk} ({self.kind}, {self.status})"


# --------------------------------------------------------------------------- calls and notes


class CallKind(models.TextChoices):
    CALL = "call", _("phone call")
    MEETING = "meeting", _("meeting")


class CallDirection(models.TextChoices):
    OUTBOUND = "outbound", _("we called")
    INBOUND = "inbound", _("the customer called")


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("reached")
    NO_ANSWER = "no_answer", _("no answer")
    WRONG_NUMBER = "wrong_number", _("wrong number")
    PROMISE = "promise", _("promise to pay")
    DISPUTE = "dispute", _("dispute")
    PLAN_REQUESTED = "plan_requested", _("payment plan requested")
    COPY_REQUESTED = "copy_requested", _("invoice copy requested")
    CALL_BACK = "call_back", _("call back on a date")


class CallLog(models.Model):
    """A phone call or a meeting with the customer, and its outcome."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="call_logs"
    )
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=CallKind.choices, default="call")
    direction = models.CharField(
        _("direction"), max_length=10, choices=CallDirection.choices, default="outbound"
    )
    #: the number dialled (kept: the contact's number may change later)
    number = models.CharField(_("number"), max_length=30, blank=True)
    at = models.DateTimeField(_("when"))
    #: the business date of the call (the creditor's time zone), for the one-call-a-day rule
    on = models.DateField(_("on"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices)
    call_back_on = models.DateField(_("call back on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: the call or meeting task of a dunning step this call carried out, if any
    action = models.ForeignKey(
        "dunning.Action", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    promise = models.ForeignKey(
        Promise, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dispute = models.ForeignKey(
        Dispute, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    plan = models.ForeignKey(
        PaymentPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("call")
        ordering = ["-at"]
        indexes = [models.Index(fields=["customer", "on"], name="call_customer_day_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="call_back") | Q(call_back_on__isnull=False),
                name="call_back_needs_date",
            ),
            # One call to a customer a day (relance.domain.contact_rules.MAX_CALLS_PER_DAY):
            # the database refuses a second outbound call, even logged at the same moment.
            models.UniqueConstraint(
                fields=["customer", "on"],
                condition=Q(kind="call", direction="outbound"),
                name="call_one_outbound_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d} {self.outcome}"


class Note(models.Model):
    """A free note on a customer's file (optionally about a dispute, promise or plan)."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="file_notes"
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, null=True, blank=True, related_name="notes"
    )
    promise = models.ForeignKey(
        Promise, on_delete=models.CASCADE, null=True, blank=True, related_name="notes"
    )
    plan = models.ForeignKey(
        PaymentPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="notes"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="note_not_empty")]

    def __str__(self) -> str:
        return self.text[:40]
