"""Creditor: the company that is owed money and uses relance. Several per install."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.core.models import Timestamped
from relance.domain.calendar import PaymentTerms, TermsMethod


class PenaltyClause(models.TextChoices):
    STATUTORY = "statutory", _("statutory rate (ECB rate + 10 points)")
    CONTRACTUAL = "contractual", _("contractual rate")


def validate_sepa_creditor_id(value: str) -> None:
    """Django validator: a SEPA creditor identifier (ICS), e.g. FR72ZZZ123456."""
    from django.core.exceptions import ValidationError

    from relance.domain.identifiers import IdentifierError, clean_sepa_creditor_id

    try:
        clean_sepa_creditor_id(value)
    except IdentifierError as exc:
        raise ValidationError(exc.issue.message("en"), code=exc.issue.code) from exc


class Creditor(Timestamped):
    legal_name = models.CharField(_("legal name"), max_length=200)
    trade_name = models.CharField(_("trade name"), max_length=200, blank=True)
    legal_form = models.CharField(_("legal form"), max_length=50, blank=True)
    share_capital = models.CharField(_("share capital"), max_length=50, blank=True)
    siren = models.CharField("SIREN", max_length=9, blank=True)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    rcs = models.CharField(_("trade register (RCS)"), max_length=100, blank=True)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (continued)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    iban = models.CharField("IBAN", max_length=34, blank=True)
    bic = models.CharField("BIC", max_length=11, blank=True)
    #: SEPA creditor identifier (ICS, AT-02), needed to collect by direct debit
    sepa_creditor_id = models.CharField(
        _("SEPA creditor identifier"),
        max_length=35,
        blank=True,
        validators=[validate_sepa_creditor_id],
    )
    # FileField, not ImageField: no Pillow dependency; the UI accepts PNG/SVG/JPEG.
    logo = models.FileField(_("logo"), upload_to="logos/", blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    payment_terms_method = models.CharField(
        _("payment terms method"),
        max_length=12,
        choices=[(m.value, m.value) for m in TermsMethod],
        default=TermsMethod.NET.value,
    )
    penalty_clause = models.CharField(
        _("late-payment penalty clause"),
        max_length=12,
        choices=PenaltyClause.choices,
        default=PenaltyClause.STATUTORY,
    )
    contractual_rate = models.DecimalField(
        _("contractual penalty rate (% a year)"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
    )
    indemnity_amount = models.DecimalField(
        _("fixed recovery indemnity"), max_digits=8, decimal_places=2, default=Decimal("40.00")
    )

    class Meta:
        ordering = ["legal_name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(penalty_clause="contractual")
                | models.Q(contractual_rate__isnull=False),
                name="creditor_contractual_rate_set",
            )
        ]

    def __str__(self) -> str:
        return self.trade_name or self.legal_name

    @property
    def payment_terms(self) -> PaymentTerms:
        return PaymentTerms(self.payment_terms_days, TermsMethod(self.payment_terms_method))
