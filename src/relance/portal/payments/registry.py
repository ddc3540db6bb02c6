"""Which payment provider the portal offers, for which creditor.

The install-wide provider (RELANCE_PAYMENT_PROVIDER): "" offers no online payment (bank
transfer only), "local" the demo and test provider, "stripe" Stripe Checkout with
RELANCE_STRIPE_SECRET_KEY and RELANCE_STRIPE_WEBHOOK_SECRET.

A creditor's own active `PaymentAccount` (relance.portal.payments.accounts) comes first:
`provider_for(creditor_id)` builds the provider with the account's credentials, and falls
back to the install-wide one when the creditor has no active account.

To add a provider: an adapter implementing `relance.portal.payments.base.PaymentProvider`
in this folder, a line in PROVIDERS (built from the settings), and — for creditors' own
accounts — a line in ACCOUNT_FACTORIES and in accounts.ACCOUNT_PROVIDERS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from relance.portal.models import PaymentAccount
from relance.portal.payments.base import PaymentProvider, ProviderConfigError
from relance.portal.payments.local import LocalProvider
from relance.portal.payments.stripe import StripeCheckout

PROVIDERS: dict[str, Callable[[], PaymentProvider]] = {
    "local": LocalProvider,
    "stripe": StripeCheckout.from_settings,
}

ACCOUNT_FACTORIES: dict[str, Callable[[PaymentAccount], PaymentProvider]] = {
    "stripe": lambda account: StripeCheckout.from_account(
        account.secret_key, account.webhook_secret
    ),
}


@dataclass(frozen=True, slots=True)
class Chosen:
    """The provider a checkout is opened with, and the creditor's account it uses (None:
    the install-wide settings)."""

    provider: PaymentProvider
    account: PaymentAccount | None


def configured_name() -> str:
    return str(settings.RELANCE_PAYMENT_PROVIDER or "").strip()


def provider() -> PaymentProvider | None:
    """The install-wide provider, None when the install offers no online payment."""
    name = configured_name()
    if not name:
        return None
    if name not in PROVIDERS:
        raise ProviderConfigError(
            f"RELANCE_PAYMENT_PROVIDER: unknown provider '{name}' "
            f"(known: {', '.join(sorted(PROVIDERS))})"
        )
    return PROVIDERS[name]()


def account_provider(account: PaymentAccount) -> PaymentProvider:
    """The provider built with a creditor account's credentials."""
    factory = ACCOUNT_FACTORIES.get(account.provider)
    if factory is None:
        raise ProviderConfigError(
            f"payment account {account.pk}: unknown provider '{account.provider}' "
            f"(known: {', '.join(sorted(ACCOUNT_FACTORIES))})"
        )
    return factory(account)


def active_account(creditor_id: int) -> PaymentAccount | None:
    return PaymentAccount.objects.filter(creditor_id=creditor_id, active=True).first()


def provider_for(creditor_id: int) -> Chosen | None:
    """The creditor's active account's provider, else the install-wide one; None when
    neither offers online payment."""
    account = active_account(creditor_id)
    if account is not None:
        return Chosen(account_provider(account), account)
    found = provider()
    return Chosen(found, None) if found is not None else None


def offers_online_payment(creditor_id: int) -> bool:
    return bool(configured_name()) or active_account(creditor_id) is not None
