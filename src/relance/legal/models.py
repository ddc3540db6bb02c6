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
