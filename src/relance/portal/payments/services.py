"""Paying online from the portal: start a hosted checkout, book what the provider confirms.

    start_checkout(link, invoices, lang, success_url, cancel_url) -> Checkout
    handle_webhook(name, body, headers, now, account) -> Payment | None
    settle(provider_name, confirmed, account) -> Payment | None

The checkout is opened with the link's creditor's own payment account when it has an active
one, else with the install-wide provider (registry.provider_for), and remembers which. A
notification is verified with the secret of the account whose webhook address it reached
(the install's settings at `/portal/webhooks/<provider>/`) and settles only a checkout
opened with that same account: an event signed for one creditor never books a payment of
another.

`settle` books a confirmed payment once: a ledger `Payment` (method card, external
reference "<provider>:<payment id>", source "api") for the amount the provider confirms,
allocated to the checkout's invoices in due-date order up to what each still owes (an
invoice paid meanwhile by transfer leaves the rest on account, for a person to apply or
refund). A second notification of the same payment changes nothing.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relance.core.models import Source
from relance.domain.money import Money
from relance.ledger.models import Invoice, Payment, PaymentMethod
from relance.ledger.services import allocate
from relance.portal import events
from relance.portal.models import (
    Checkout,
    CheckoutStatus,
    EventKind,
    PaymentAccount,
    PortalLink,
)
from relance.portal.payments.base import CheckoutRequest, ConfirmedPayment, ProviderConfigError
from relance.portal.payments.registry import (
    account_provider,
    configured_name,
    provider,
    provider_for,
)

log = logging.getLogger(__name__)


def start_checkout(
    link: PortalLink,
    invoices: list[Invoice],
    lang: str,
    success_url: str,
    cancel_url: str,
    ip: str = "",
) -> Checkout:
    """Open a hosted checkout for the open balance of `invoices` (all of the link's customer,
    one currency: see relance.portal.queries.selected_invoices)."""
    found = provider_for(link.creditor_id)
    if found is None:
        raise ProviderConfigError("no payment provider is configured")
    chosen, account = found.provider, found.account
    creditor = link.creditor
    currency = invoices[0].currency
    amount = Money.from_minor(sum(i.open_minor for i in invoices), currency)
    numbers = tuple(i.number for i in invoices)
    reference = secrets.token_hex(16)
    contact = link.customer.contacts.exclude(email="").order_by("-is_primary_billing", "pk").first()
    hosted = chosen.create_checkout(
        CheckoutRequest(
            reference=reference,
            amount=amount,
            description=_("Invoices %(numbers)s – %(creditor)s")
            % {
                "numbers": ", ".join(numbers),
                "creditor": creditor.trade_name or creditor.legal_name,
            },
            invoice_numbers=numbers,
            success_url=success_url,
            cancel_url=cancel_url,
            locale=lang,
            customer_email=contact.email if contact is not None else "",
        )
    )
    with transaction.atomic():
        checkout = Checkout.objects.create(
            creditor_id=link.creditor_id,
            customer_id=link.customer_id,
            link=link,
            provider=chosen.name,
            account=account,
            reference=reference,
            provider_ref=hosted.provider_ref,
            url=hosted.url,
            currency=currency,
            amount_minor=amount.minor,
            invoice_ids=[i.pk for i in invoices],
        )
        events.record(
            link,
            EventKind.CHECKOUT_STARTED,
            ip,
            provider=chosen.name,
            amount_minor=amount.minor,
            currency=currency,
            invoices=list(numbers),
        )
    return checkout


def handle_webhook(
    name: str,
    body: bytes,
    headers: Mapping[str, str],
    now: datetime | None = None,
    account: PaymentAccount | None = None,
) -> Payment | None:
    """Verify a provider's notification and book the payment it confirms.

    `account`: the creditor's account whose webhook address was called (its secret verifies,
    only its checkouts are settled); None: the install-wide provider. WebhookRefused when the
    notification is not authentic; ProviderConfigError when `name` is not the provider of
    the account, or not the configured one."""
    if account is not None:
        if name != account.provider:
            raise ProviderConfigError(f"payment account {account.pk} is not a '{name}' account")
        chosen = account_provider(account)
    else:
        if name != configured_name():
            raise ProviderConfigError(f"payment provider '{name}' is not the configured one")
        found = provider()
        assert found is not None
        chosen = found
    confirmed = chosen.verify_webhook(body, headers, now or timezone.now())
    if confirmed is None:
        return None
    return settle(chosen.name, confirmed, account)


def settle(
    provider_name: str, confirmed: ConfirmedPayment, account: PaymentAccount | None = None
) -> Payment | None:
    """Book `confirmed` against its checkout (once); None for a checkout relance did not open
    with `account` (None: with the install-wide provider)."""
    with transaction.atomic():
        checkout = (
            Checkout.objects.select_for_update(of=("self",))
            .select_related("customer", "link")
            .filter(
                provider=provider_name,
                provider_ref=confirmed.provider_ref,
                account_id=account.pk if account is not None else None,
            )
            .first()
        )
        if checkout is None:
            log.warning(
                "%s payment for unknown checkout %s ignored (account %s)",
                provider_name,
                confirmed,
                account.pk if account is not None else "of the install",
            )
            return None
        if checkout.payment_id is not None:
            return checkout.payment
        external_ref = f"{provider_name}:{confirmed.payment_id}"[:100]
        payment = Payment.objects.create(
            creditor_id=checkout.creditor_id,
            customer_id=checkout.customer_id,
            external_ref=external_ref,
            date=confirmed.paid_on,
            currency=confirmed.currency,
            amount_minor=confirmed.amount_minor,
            method=PaymentMethod.CARD,
            reference=confirmed.payment_id[:200],
            payer_name=checkout.customer.legal_name[:200],
            source=Source.API,
        )
        left = confirmed.amount_minor
        allocated: list[str] = []
        invoices = Invoice.objects.in_bulk(checkout.invoice_ids)
        for invoice_id in checkout.invoice_ids:
            invoice = invoices.get(invoice_id)
            if invoice is None or left <= 0 or invoice.currency != confirmed.currency:
                continue
            owed = invoice.total_incl_tax_minor - invoice.allocated_minor
            part = min(owed, left)
            if part <= 0 or invoice.status != "issued":
                continue
            allocate(
                invoice,
                payment=payment,
                amount=Money.from_minor(part, confirmed.currency),
                on=confirmed.paid_on,
                source=Source.API,
            )
            left -= part
            allocated.append(invoice.number)
        Checkout.objects.filter(pk=checkout.pk).update(
            status=CheckoutStatus.PAID, paid_at=timezone.now(), payment=payment
        )
        if checkout.link is not None:
            events.record(
                checkout.link,
                EventKind.PAYMENT_RECEIVED,
                provider=provider_name,
                amount_minor=confirmed.amount_minor,
                currency=confirmed.currency,
                invoices=allocated,
                on_account_minor=left,
                payment=payment.pk,
            )
        return payment
