"""A creditor's own payment-provider account: set, replace, deactivate, show masked.

    account_of(creditor_id) -> PaymentAccount | None
    set_account(creditor, provider, secret_key, webhook_secret, active, user) -> PaymentAccount
    deactivate_account(creditor, user) -> PaymentAccount
    mask(secret) -> str                       ("sk_live_…4242": never the whole secret)
    webhook_path(account) -> str              (/portal/webhooks/<provider>/<key>/)

An install serving several creditors pays each one into its own account: the portal opens
the checkout with the link's creditor's active account, else with the install-wide
settings (RELANCE_PAYMENT_PROVIDER…; relance.portal.payments.registry.provider_for).

Each account has its own webhook address, with a random key; a notification posted there
is verified with that account's webhook secret and can only settle a checkout opened with
that account — never one of another creditor, nor one opened with the install's account.

Replacing: a blank credential keeps the stored one when the provider does not change (a
form never shows it back); changing the provider needs every credential anew. An account
may be saved inactive without its webhook secret: the provider usually gives the secret
only once the webhook address is registered with it, and the address exists once the
account is saved. Activating needs every credential.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.portal.models import PaymentAccount

#: provider name → (label, secret key prefixes, webhook secret prefixes); the providers a
#: creditor's account may use (the local test provider stays install-wide: no money moves)
ACCOUNT_PROVIDERS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "stripe": ("Stripe", ("sk_", "rk_"), ("whsec_",)),
}
MAX_SECRET = 255


def account_of(creditor_id: int) -> PaymentAccount | None:
    return PaymentAccount.objects.filter(creditor_id=creditor_id).first()


def mask(secret: str) -> str:
    """ "sk_live_51Habc…xyz4242" → "sk_live_…4242": recognisable, never usable."""
    if not secret:
        return ""
    if len(secret) < 16:
        return "…" + secret[-2:]
    head = secret[: secret[:12].rfind("_") + 1]
    return f"{head}…{secret[-4:]}"


def webhook_path(account: PaymentAccount) -> str:
    return reverse("portal:account_webhook", args=[account.provider, account.webhook_key])


def _clean(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_SECRET:
        raise BadInput(
            _("%(field)s: at most %(max)s characters.") % {"field": field, "max": MAX_SECRET}
        )
    if any(ch.isspace() for ch in value):
        raise BadInput(_("%(field)s: no spaces in a key.") % {"field": field})
    return value


def _check_prefix(value: str, field: str, prefixes: tuple[str, ...], label: str) -> None:
    if value.startswith("pk_"):
        raise BadInput(
            _(
                "%(field)s: this is a publishable key (pk_…), which cannot take payments; "
                "give the secret key (sk_…) or a restricted key (rk_…)."
            )
            % {"field": field}
        )
    if not value.startswith(prefixes):
        raise BadInput(
            _("%(field)s: a %(provider)s key starting with %(prefixes)s.")
            % {"field": field, "provider": label, "prefixes": _(" or ").join(prefixes)}
        )


def set_account(
    creditor: Creditor,
    provider: str,
    secret_key: str = "",
    webhook_secret: str = "",
    *,
    active: bool = True,
    user: Any = None,
) -> PaymentAccount:
    """Create or replace the creditor's account (BadInput naming the field when refused)."""
    provider = (provider or "").strip().lower()
    if not provider:
        raise BadInput(_("provider: required (known: %(known)s).") % {"known": _known()})
    if provider not in ACCOUNT_PROVIDERS:
        raise BadInput(
            _("provider: unknown provider “%(name)s” (known: %(known)s).")
            % {"name": provider[:30], "known": _known()}
        )
    label, key_prefixes, hook_prefixes = ACCOUNT_PROVIDERS[provider]
    secret_key = _clean(secret_key, "secret_key")
    webhook_secret = _clean(webhook_secret, "webhook_secret")
    with transaction.atomic():
        account = PaymentAccount.objects.select_for_update().filter(creditor_id=creditor.pk).first()
        same = account is not None and account.provider == provider
        new_key = secret_key or (account.secret_key if same and account else "")
        new_hook = webhook_secret or (account.webhook_secret if same and account else "")
        if not new_key:
            raise BadInput(
                _("secret_key: required for %(provider)s (the account's secret API key).")
                % {"provider": label}
            )
        _check_prefix(new_key, "secret_key", key_prefixes, label)
        if new_hook:
            _check_prefix(new_hook, "webhook_secret", hook_prefixes, label)
        elif active:
            raise BadInput(
                _(
                    "webhook_secret: required to activate the account (the signing secret "
                    "%(provider)s gives for the webhook address); save the account inactive "
                    "first to get its address."
                )
                % {"provider": label}
            )
        now = timezone.now()
        if account is None:
            account = PaymentAccount(creditor=creditor, webhook_key=secrets.token_hex(12))
        changed = (account.secret_key, account.webhook_secret) != (new_key, new_hook)
        account.provider = provider
        account.secret_key = new_key
        account.webhook_secret = new_hook
        account.active = active
        account.updated_by = user
        if changed:
            account.credentials_changed_at = now
        account.save()
    return account


def deactivate_account(creditor: Creditor, user: Any = None) -> PaymentAccount:
    """Stop opening checkouts with the creditor's account (BadInput when it has none);
    notifications about the checkouts it opened are still booked."""
    with transaction.atomic():
        account = PaymentAccount.objects.select_for_update().filter(creditor_id=creditor.pk).first()
        if account is None:
            raise BadInput(_("account: this creditor has no payment account."))
        account.active = False
        account.updated_by = user
        account.save()
    return account


def _known() -> str:
    return ", ".join(sorted(ACCOUNT_PROVIDERS))
