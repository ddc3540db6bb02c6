"""The creditor's own online-payment account for the debtor portal (administrators only).

    GET  /portal/payment-account             the account, credentials masked (404: none)
    PUT  /portal/payment-account             set or replace it
    POST /portal/payment-account/deactivate  stop opening checkouts with it

Credentials are never answered in full (`sk_live_…4242`). A blank or missing credential
keeps the stored one when the provider does not change. Without an active account of its
own the creditor's debtors pay through the install-wide settings (`install_provider`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import StrictBool

from relance.accounts.models import Role
from relance.api.auth import Caller, caller
from relance.api.errors import ONE, WRITE, forbidden, invalid, not_found
from relance.api.schemas import Input
from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.portal.models import PaymentAccount
from relance.portal.payments import accounts
from relance.portal.payments.registry import configured_name

router = Router(tags=["portal"])


class PaymentAccountOut(Schema):
    provider: str
    active: bool
    secret_key: str = Field(description="Masked: the prefix and the last characters.")
    webhook_secret: str = Field(description="Masked; empty when not given yet.")
    webhook_url: str = Field(description="Register this address with the provider.")
    credentials_changed_at: datetime | None
    updated_at: datetime
    install_provider: str = Field(
        description="The install-wide provider used when the account is inactive ('' = none)."
    )


class PaymentAccountIn(Input):
    provider: str = Field(min_length=1, max_length=20, description="'stripe'.")
    secret_key: str = Field(
        "", max_length=255, description="Blank: keep the stored one (same provider)."
    )
    webhook_secret: str = Field(
        "", max_length=255, description="Blank: keep the stored one (same provider)."
    )
    active: StrictBool = True


def _admin(request: Any) -> Caller:
    who = caller(request)
    if who.membership.role != Role.ADMIN:
        raise forbidden(_("Only an administrator manages the payment account."))
    return who


def _out(request: Any, account: PaymentAccount) -> dict[str, Any]:
    path = accounts.webhook_path(account)
    base = str(settings.RELANCE_PORTAL_URL or "").rstrip("/")
    return {
        "provider": account.provider,
        "active": account.active,
        "secret_key": accounts.mask(account.secret_key),
        "webhook_secret": accounts.mask(account.webhook_secret),
        "webhook_url": f"{base}{path}" if base else request.build_absolute_uri(path),
        "credentials_changed_at": account.credentials_changed_at,
        "updated_at": account.updated_at,
        "install_provider": configured_name(),
    }


def _refused(exc: BadInput) -> Exception:
    field, sep, message = str(exc).partition(": ")
    if not sep:
        return invalid(str(exc))
    return invalid(str(exc), [{"field": field, "message": message, "code": "invalid"}])


@router.get(
    "/portal/payment-account",
    response={200: PaymentAccountOut, **ONE},
    summary="The creditor's online-payment account, credentials masked (administrators)",
)
def get_payment_account(request: Any) -> Any:
    who = _admin(request)
    account = accounts.account_of(who.creditor_id)
    if account is None:
        raise not_found(_("No payment account: the install-wide settings apply."))
    return _out(request, account)


@router.put(
    "/portal/payment-account",
    response={200: PaymentAccountOut, **WRITE},
    summary="Set or replace the creditor's online-payment account (administrators)",
)
def put_payment_account(request: Any, payload: PaymentAccountIn) -> Any:
    who = _admin(request)
    creditor = Creditor.objects.get(pk=who.creditor_id)
    try:
        account = accounts.set_account(
            creditor,
            payload.provider,
            payload.secret_key,
            payload.webhook_secret,
            active=payload.active,
            user=who.user,
        )
    except BadInput as exc:
        raise _refused(exc) from None
    return _out(request, account)


@router.post(
    "/portal/payment-account/deactivate",
    response={200: PaymentAccountOut, **WRITE},
    summary="Stop taking online payments into the creditor's account (administrators)",
)
def deactivate_payment_account(request: Any) -> Any:
    who = _admin(request)
    creditor = Creditor.objects.get(pk=who.creditor_id)
    if accounts.account_of(creditor.pk) is None:
        raise not_found(_("No payment account: the install-wide settings apply."))
    return _out(request, accounts.deactivate_account(creditor, who.user))
