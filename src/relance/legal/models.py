"""Legal cases: a customer's recovery taken beyond amicable reminders, stage by stage."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.core.models import Timestamped
from relance.domain.legal_case import Route, Stage

ROUTE_LABELS = {
    Route.PAYMENT_ORDER: _("court payment order (injonction de payer)"),
    Route.SMALL_CLAIMS: _("small-claims recovery (≤ 5,000 €)"),
    Route.AGENCY: _("collection agency"),
    Route.LAWYER: _("lawyer"),
    Route.UNDECIDED: _("not chosen yet (formal notice sent)"),
}
STAGE_LABELS = {
    Stage.NOTICE_SENT: _("formal notice sent"),
    Stage.ACK_RECEIVED: _("acknowledgment of receipt received"),
    Stage.REQUEST_FILED: _("request filed"),
    Stage.ORDER_GRANTED: _("order granted"),
    Stage.ORDER_REFUSED: _("order refused"),
    Stage.SERVED: _("order served"),
    Stage.OPPOSITION: _("opposition by the debtor"),
    Stage.ENFORCEMENT: _("enforcement by a commissaire de justice"),
    Stage.SMALL_CLAIMS_PROPOSED: _("small-claims procedure proposed"),
    Stage.SMALL_CLAIMS_ACCEPTED: _("small-claims procedure accepted"),
    Stage.SMALL_CLAIMS_REFUSED: _("small-claims procedure refused"),
    Stage.HANDED_OVER: _("handed over"),
    Stage.CLOSED: _("closed"),
}


class LegalCase(Timestamped):
    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="legal_cases"
    )
    route = models.CharField(
        _("route"), max_length=20, choices=[(r.value, ROUTE_LABELS[r]) for r in Route]
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    claim_minor = models.BigIntegerField(_("amount claimed"))
    court_kind = models.CharField(_("competent court"), max_length=30, blank=True)
    court_place = models.CharField(_("court place"), max_length=120, blank=True)
    notice_deadline = models.DateField(
        _("payment deadline of the formal notice"), null=True, blank=True
    )
    reference = models.CharField(_("court or file reference"), max_length=100, blank=True)
    handler = models.CharField(
        _("agency, lawyer or commissaire de justice"), max_length=200, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    pause = models.OneToOneField(
        "dunning.Pause", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("legal case")
        indexes = [models.Index(fields=["creditor", "closed_on"], name="legal_case_open_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(claim_minor__gt=0), name="legal_case_claim_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} — {self.route} ({self.opened_on})"


class LegalEvent(models.Model):
    case = models.ForeignKey(LegalCase, on_delete=models.CASCADE, related_name="events")
    stage = models.CharField(
        _("stage"), max_length=30, choices=[(s.value, STAGE_LABELS[s]) for s in Stage]
    )
    on = models.DateField(_("date"))
    cost_minor = models.BigIntegerField(_("cost"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    document_name = models.CharField(_("document"), max_length=200, blank=True)
    document = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cost_minor__gte=0), name="legal_event_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.on}"


class AgencyMandate(models.Model):
    """The written mandate given to a collection agency (CPCE R124-3) for one case."""

    case = models.OneToOneField(LegalCase, on_delete=models.CASCADE, related_name="mandate")
    agency_name = models.CharField(_("agency"), max_length=200)
    agency_address = models.TextField(_("agency address"))
    agency_email = models.EmailField(_("agency email"), blank=True)
    insurer = models.CharField(_("professional liability insurer"), max_length=200)
    insurance_policy = models.CharField(_("insurance policy number"), max_length=100)
    fee_percent = models.DecimalField(
        _("fee (% of the sums collected)"), max_digits=5, decimal_places=2
    )
    funds_within_days = models.PositiveSmallIntegerField(
        _("funds handed over within (days)"), default=30
    )
    signed_on = models.DateField(_("mandate signed on"))
    letter_reference = models.CharField(_("reference of the first letter"), max_length=100)
    letter_date = models.DateField(_("date of the first letter"), null=True, blank=True)

    class Meta:
        verbose_name = _("agency mandate")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fee_percent__gte=0, fee_percent__lte=100),
                name="mandate_fee_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_name} ({self.signed_on})"


class AgencyCollection(models.Model):
    """A sum the agency (or lawyer) collected and handed over, with its fee."""

    case = models.ForeignKey(LegalCase, on_delete=models.CASCADE, related_name="collections")
    on = models.DateField(_("collected on"))
    amount_minor = models.BigIntegerField(_("amount collected"))
    fee_minor = models.BigIntegerField(_("fee"), default=0)
    payment = models.OneToOneField(
        "ledger.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0, fee_minor__gte=0)
                & models.Q(fee_minor__lte=models.F("amount_minor")),
                name="collection_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.amount_minor}"


class PenaltyStatus(models.TextChoices):
    ISSUED = "issued", _("issued")
    WAIVED = "waived", _("waived")


class PenaltySequence(models.Model):
    """The last number given to a creditor's penalty invoices in a year (gap-free counter)."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creditor", "year"], name="penalty_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class PenaltyInvoice(models.Model):
    """An invoice of late-payment interest and fixed indemnities; never deleted, only waived."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="penalty_invoices"
    )
    number = models.CharField(_("number"), max_length=20)
    issued_on = models.DateField(_("date"))
    currency = models.CharField(_("currency"), max_length=3)
    interest_minor = models.BigIntegerField(_("interest"))
    indemnity_minor = models.BigIntegerField(_("indemnities"))
    total_minor = models.BigIntegerField(_("total"))
    status = models.CharField(
        _("status"), max_length=10, choices=PenaltyStatus.choices, default=PenaltyStatus.ISSUED
    )
    waived_reason = models.CharField(_("reason for waiving"), max_length=300, blank=True)
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pdf = models.BinaryField(null=True, blank=True)
    #: the dunning message that issued it (relance.dunning.legal_steps.message_key): one
    #: penalty invoice per message, whatever its channels, retries and takeovers
    dunning_key = models.CharField(max_length=120, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("penalty invoice")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "number"], name="penalty_invoice_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(total_minor__gt=0), name="penalty_invoice_total_positive"
            ),
            models.UniqueConstraint(
                fields=["dunning_key"],
                condition=~models.Q(dunning_key=""),
                name="penalty_invoice_dunning_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class PenaltyInvoiceLine(models.Model):
    """One late invoice on a penalty invoice: the days billed, the rate segments, the sums."""

    penalty_invoice = models.ForeignKey(
        PenaltyInvoice, on_delete=models.PROTECT, related_name="lines"
    )
    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(null=True, blank=True)
    #: Interest is billed up to this day included; the next penalty invoice starts after it.
    billed_until = models.DateField()
    days = models.PositiveIntegerField(default=0)
    #: [{"start", "end", "days", "rate", "base", "amount"}] as strings.
    segments = models.JSONField(default=list)
    basis = models.CharField(max_length=100, blank=True)
    interest_minor = models.BigIntegerField(default=0)
    indemnity_minor = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.invoice_id} to {self.billed_until}"


class FormalNotice(models.Model):
    """A formal notice (mise en demeure) sent for a case; its date starts B2C interest."""

    case = models.ForeignKey(LegalCase, on_delete=models.PROTECT, related_name="notices")
    sent_on = models.DateField(_("sent on"))
    period_days = models.PositiveSmallIntegerField(_("period to pay (days)"))
    deadline = models.DateField(_("payment deadline"))
    total_minor = models.BigIntegerField(_("amount demanded"))
    signatory = models.CharField(_("signed by"), max_length=200)
    pdf = models.BinaryField(null=True, blank=True)
    #: the letter's text, paragraph by paragraph as in the PDF (the body of the message that
    #: carried it when the dunning worker sent it)
    text = models.TextField(blank=True)
    receipt_name = models.CharField(max_length=200, blank=True)
    receipt = models.BinaryField(null=True, blank=True)
    #: the dunning message that sent it (relance.dunning.legal_steps.message_key), if any
    dunning_key = models.CharField(max_length=120, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["sent_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dunning_key"],
                condition=~models.Q(dunning_key=""),
                name="formal_notice_dunning_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sent_on} → {self.deadline}"
