"""Which payment provider the portal offers (RELANCE_PAYMENT_PROVIDER).

"" offers no online payment (bank transfer only), "local" the demo and test provider,
"stripe" Stripe Checkout. To add one: an adapter implementing
`relance.portal.payments.base.PaymentProvider` in this folder, and a line in PROVIDERS.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from relance.portal.payments.base import PaymentProvider, ProviderConfigError
from relance.portal.payments.local import LocalProvider
from relance.portal.payments.stripe import StripeCheckout

PROVIDERS: dict[str, Callable[[], PaymentProvider]] = {
    "local": LocalProvider,
    "stripe": StripeCheckout.from_settings,
}


def configured_name() -> str:
    return str(settings.RELANCE_PAYMENT_PROVIDER or "").strip()


def provider() -> PaymentProvider | None:
    """The configured provider, None when the portal offers no online payment."""
    name = configured_name()
    if not name:
        return None
    if name not in PROVIDERS:
        raise ProviderConfigError(
            f"RELANCE_PAYMENT_PROVIDER: unknown provider '{name}' "
            f"(known: {', '.join(sorted(PROVIDERS))})"
        )
    return PROVIDERS[name]()
