"""Customer (the debtor) and Contact (a person with a role in getting invoices paid)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.core.models import Timestamped


class CustomerKind(models.TextChoices):
    B2B = "b2b", _("business (B2B)")
    B2C = "b2c", _("consumer (B2C)")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    PROSPECT = "prospect", _("prospect")
    ON_HOLD = "on_hold", _("on credit hold")
    CLOSED = "closed", _("closed")


class Customer(Timestamped):
    creditor = models.ForeignKey(
        "creditors.Creditor", on_delete=models.PROTECT, related_name="customers"
    )
    external_ref = models.CharField(
        _("external reference"),
        max_length=64,
        null=True,
        blank=True,
        help_text=_("The customer's code in your accounting or invoicing system."),
    )
    legal_name = models.CharField(_("legal name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=50, blank=True)
    siren = models.CharField("SIREN", max_length=9, blank=True)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    address_line1 = models.CharField(_("head-office address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (continued)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    websites = models.TextField(_("websites"), blank=True, help_text=_("One address per line."))
    kind = models.CharField(
        _("type"), max_length=3, choices=CustomerKind.choices, default=CustomerKind.B2B
    )
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="fr"
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    segment = models.CharField(_("segment"), max_length=40, blank=True)
    assigned_collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned collector"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_customers",
    )
    credit_limit_minor = models.BigIntegerField(
        _("credit limit (minor units)"), null=True, blank=True
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: the creditor's default terms."),
    )
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    customer_since = models.DateField(_("customer since"), null=True, blank=True)

    class Meta:
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "external_ref"], name="customer_unique_external_ref"
            ),
        ]
        indexes = [
            models.Index(fields=["creditor", "legal_name"], name="customer_name_idx"),
            models.Index(fields=["creditor", "assigned_collector"], name="customer_collector_idx"),
            models.Index(fields=["creditor", "siren"], name="customer_siren_idx"),
        ]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def website_list(self) -> list[str]:
        return [w.strip() for w in self.websites.splitlines() if w.strip()]


class ContactRole(models.TextChoices):
    ACCOUNTS_PAYABLE = "accounts_payable", _("accounts payable")
    PURCHASING = "purchasing", _("purchasing")
    MANAGEMENT = "management", _("management")
    OTHER = "other", _("other")


class Channel(models.TextChoices):
    EMAIL = "email", _("email")
    SMS = "sms", _("SMS")
    LETTER = "letter", _("letter")
    PHONE = "phone", _("phone")


class Contact(Timestamped):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    external_ref = models.CharField(_("external reference"), max_length=64, null=True, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    role = models.CharField(
        _("role in payment"), max_length=20, choices=ContactRole.choices, default=ContactRole.OTHER
    )
    department = models.CharField(_("department"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    mobile = models.CharField(_("mobile"), max_length=30, blank=True)
    address_line1 = models.CharField(_("postal address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (continued)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, blank=True
    )
    opt_out_email = models.BooleanField(_("no email"), default=False)
    opt_out_sms = models.BooleanField(_("no SMS"), default=False)
    opt_out_letter = models.BooleanField(_("no letter"), default=False)
    opt_out_phone = models.BooleanField(_("no phone call"), default=False)
    is_primary_billing = models.BooleanField(_("primary billing contact"), default=False)
    last_verified_on = models.DateField(_("details last verified on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    #: set by delivery feedback (a bounce, a complaint): no email goes there until cleared
    email_undeliverable_since = models.DateTimeField(
        _("email undeliverable since"), null=True, blank=True
    )
    email_undeliverable_reason = models.CharField(
        _("why the email is undeliverable"), max_length=200, blank=True
    )
    #: set by SMS delivery reports (a hard bounce): no SMS goes to the mobile until cleared
    mobile_undeliverable_since = models.DateTimeField(
        _("mobile undeliverable since"), null=True, blank=True
    )
    mobile_undeliverable_reason = models.CharField(
        _("why the mobile is undeliverable"), max_length=200, blank=True
    )
    #: set when a call finds the number wrong (relance.negotiation.calls): the number is to
    #: update; no call task goes there until it is changed or cleared
    phone_wrong_since = models.DateTimeField(_("phone number wrong since"), null=True, blank=True)
    phone_wrong_reason = models.CharField(
        _("why the phone number is wrong"), max_length=200, blank=True
    )

    class Meta:
        ordering = ["-is_primary_billing", "last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_primary_billing=True),
                name="contact_one_primary_billing",
            ),
            models.UniqueConstraint(
                fields=["customer", "external_ref"], name="contact_unique_external_ref"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or f"contact {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def opted_out(self, channel: str) -> bool:
        return bool(getattr(self, f"opt_out_{channel}", False))

    @property
    def call_number(self) -> str:
        """The number a call to this contact dials (the landline, else the mobile)."""
        return self.phone or self.mobile

    @property
    def mobile_wrong(self) -> bool:
        """The number flagged wrong is the mobile (the contact has no landline)."""
        return bool(self.phone_wrong_since) and not self.phone and bool(self.mobile)

    @property
    def callable(self) -> bool:
        """A number to call, not opted out of calls, not flagged wrong."""
        return bool(self.call_number) and not self.opt_out_phone and not self.phone_wrong_since
