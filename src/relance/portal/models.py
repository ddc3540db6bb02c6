"""What the debtor portal keeps (docs/portal.md).

- `PortalLink`: a personal link issued with a reminder: one customer of one creditor, a
  signed token of which only the SHA-256 is stored, an expiry, a revocation, the last use.
- `OneTimeCode`: a short code sent by email or SMS to a contact of the customer before a
  sensitive action (promise, dispute, plan request, contact update); only its keyed hash is
  stored.
- `PortalEvent`: everything done in the portal, on the customer's file (the timeline reads
  it; the collector sees it on the customer page).
- `PortalRequest` + `PortalAttachment`: disputes and payment-plan requests waiting for a
  person (the extension point the negotiation services will replace, see requests.py).
- `ContactProposal`: contact details proposed by the debtor, applied once a person accepts.
- `PaymentAccount`: a creditor's own account at a payment provider (credentials, webhook
  address); without one the install-wide settings apply.
- `Checkout`: a hosted payment started with the payment provider (the creditor's account,
  or the install's), and the ledger payment it became.
- `RateCounter`: request counters per key and time window (the portal's rate limits).

Amounts are integer minor units of `currency` (see relance.core.models).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PortalLink(models.Model):
    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="portal_links"
    )
    #: the message the link was issued for (the action's idempotency key): one link per
    #: message, so a retried send carries the same link; empty for a link issued by hand
    message_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    #: random, not secret alone: the token is HMAC(SECRET_KEY, id + nonce)
    nonce = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "created_at"], name="portal_link_customer_idx")]

    def __str__(self) -> str:
        return f"portal link {self.pk} of customer {self.customer_id}"


class CodeChannel(models.TextChoices):
    EMAIL = "email", _("email")
    SMS = "sms", _("SMS")


class OneTimeCode(models.Model):
    link = models.ForeignKey(PortalLink, on_delete=models.CASCADE, related_name="codes")
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=5, choices=CodeChannel.choices, default=CodeChannel.EMAIL)
    #: where the code went: the email address, or the mobile number (E.164) for an SMS
    email = models.EmailField(blank=True)
    mobile = models.CharField(max_length=30, blank=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    #: set when the right code was entered (a code is used once)
    verified_at = models.DateTimeField(null=True, blank=True)
    #: set when a newer code replaced it, or too many wrong attempts
    void_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"code {self.pk} for link {self.link_id}"


class EventKind(models.TextChoices):
    OPENED = "opened", _("opened the portal")
    DOCUMENT = "document", _("downloaded a document")
    CODE_SENT = "code_sent", _("asked for a confirmation code")
    CODE_VERIFIED = "code_verified", _("confirmed with the code")
    CODE_FAILED = "code_failed", _("entered a wrong code")
    PROMISE = "promise", _("promised to pay")
    PAYMENT_ANNOUNCED = "payment_announced", _("announced a payment")
    CHECKOUT_STARTED = "checkout_started", _("started an online payment")
    PAYMENT_RECEIVED = "payment_received", _("paid online")
    DISPUTE_REQUEST = "dispute_request", _("disputed invoices")
    PLAN_REQUEST = "plan_request", _("asked for a payment plan")
    CONTACT_PROPOSAL = "contact_proposal", _("proposed new contact details")


class PortalEvent(models.Model):
    """One thing done in the portal, on the customer's file (never updated)."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="portal_events"
    )
    link = models.ForeignKey(
        PortalLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(_("what"), max_length=20, choices=EventKind.choices)
    #: what the event is about, as plain values (amounts in minor units, dates ISO 8601)
    detail = models.JSONField(default=dict, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "created_at"], name="portal_event_customer_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} by customer {self.customer_id}"


class RequestKind(models.TextChoices):
    DISPUTE = "dispute", _("dispute")
    PLAN = "plan", _("payment plan")


class RequestStatus(models.TextChoices):
    NEW = "new", _("to handle")
    HANDLED = "handled", _("handled")


class PortalRequest(models.Model):
    """A dispute or payment-plan request from the portal, as the debtor sent it.

    Not a dispute nor a plan: relance.portal.requests (the one place that writes these)
    opens the negotiation object in the same transaction and keeps its id in `payload`
    (`dispute`; `plan` with its `outcome`). A dispute, or a plan awaiting approval, waits
    for a person (status new); a plan active at once is handled."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="portal_requests"
    )
    link = models.ForeignKey(
        PortalLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.NEW
    )
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["creditor", "status"], name="portal_request_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} request {self.pk} of customer {self.customer_id}"


class PortalAttachment(models.Model):
    """A file sent with a request, stored under RELANCE_PORTAL_UPLOAD_DIR (not served)."""

    request = models.ForeignKey(PortalRequest, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(max_length=200)
    #: the file's name in the upload folder (random, never the name the debtor gave)
    stored_name = models.CharField(max_length=100, unique=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("to review")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")


class ContactProposal(models.Model):
    """Contact details proposed by the debtor; a person accepts (applied to the register)
    or rejects them."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="contact_proposals"
    )
    link = models.ForeignKey(
        PortalLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: the contact to change; empty: a new contact
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    mobile = models.CharField(_("mobile"), max_length=30, blank=True)
    note = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: the contact the proposal was applied to (the new one, or `contact`)
    applied_to = models.ForeignKey(
        "customers.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", reviewed_at__isnull=True)
                | (~Q(status="pending") & Q(reviewed_at__isnull=False)),
                name="contact_proposal_reviewed_iff_not_pending",
            )
        ]

    def __str__(self) -> str:
        return f"contact proposal {self.pk} of customer {self.customer_id}"


class PaymentAccount(models.Model):
    """A creditor's own account at a payment provider: its debtors pay into it.

    One per creditor, changed in place: its webhook address (`webhook_key`) stays the same
    whatever the credentials, so the address registered at the provider keeps working.
    The credentials are never shown back in full (relance.portal.payments.accounts.mask).
    Inactive: the portal no longer opens checkouts with it (the install-wide settings apply
    again), but notifications about the checkouts it opened are still verified and booked."""

    creditor = models.OneToOneField(
        "creditors.Creditor", on_delete=models.CASCADE, related_name="payment_account"
    )
    provider = models.CharField(_("provider"), max_length=20)
    secret_key = models.CharField(_("secret key"), max_length=255, blank=True)
    webhook_secret = models.CharField(_("webhook signing secret"), max_length=255, blank=True)
    #: random, in the account's webhook address (/portal/webhooks/<provider>/<key>/)
    webhook_key = models.CharField(max_length=32, unique=True)
    active = models.BooleanField(_("active"), default=False)
    #: when the credentials last changed (audited; the credentials themselves are not)
    credentials_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.provider} account of creditor {self.creditor_id}"


class CheckoutStatus(models.TextChoices):
    OPEN = "open", _("open")
    PAID = "paid", _("paid")
    CANCELLED = "cancelled", _("cancelled")


class Checkout(models.Model):
    """A hosted payment page opened with the provider for some invoices of one customer."""

    creditor = models.ForeignKey("creditors.Creditor", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="portal_checkouts"
    )
    link = models.ForeignKey(
        PortalLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    provider = models.CharField(max_length=20)
    #: the creditor's account the checkout was opened with; empty: the install-wide settings
    #: (a notification is booked only through the webhook address of the same account)
    account = models.ForeignKey(
        PaymentAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="checkouts"
    )
    #: our own reference, sent to the provider (idempotency key, client reference)
    reference = models.CharField(max_length=40, unique=True)
    #: the provider's id of the checkout (Stripe: the Checkout Session id)
    provider_ref = models.CharField(max_length=200)
    url = models.TextField()
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    #: the invoices paid, in the order the payment is allocated to them
    invoice_ids = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    payment = models.OneToOneField(
        "ledger.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_ref"], name="checkout_unique_provider_ref"
            ),
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="checkout_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} checkout {self.provider_ref}"


class RateCounter(models.Model):
    """Requests counted for one key (a link, an address) in one fixed time window."""

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="rate_counter_unique")
        ]
        indexes = [models.Index(fields=["window_start"], name="rate_counter_window_idx")]

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
