"""The tiny interface of a payment provider, and its errors.

A provider adapter does two things, and relance does the third:

1. `create_checkout(request) -> HostedCheckout`: open a hosted payment page for an
   amount and some invoices; the debtor is sent to `HostedCheckout.url`;
2. `verify_webhook(body, headers, now) -> ConfirmedPayment | None`: check that a
   notification really comes from the provider (its signature scheme), and return the
   confirmed payment it reports, or None for an event of no interest (acknowledged);
3. `relance.portal.payments.services.settle(provider, confirmed)` turns a confirmed
   payment into a ledger `Payment` allocated to the checkout's invoices (once, whatever
   the number of notifications).

Errors: `ProviderError` (transient or not) when the provider cannot be reached or refuses;
`WebhookRefused` when a notification is not authentic or not readable (answered 400).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from relance.domain.money import Money


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    reference: str  # ours: idempotency key and client reference at the provider
    amount: Money
    description: str  # shown on the hosted page ("Invoices F-1, F-2 – Atelier Durand")
    invoice_numbers: tuple[str, ...]
    success_url: str
    cancel_url: str
    locale: str  # "fr" or "en"
    customer_email: str = ""


@dataclass(frozen=True, slots=True)
class HostedCheckout:
    provider_ref: str  # the provider's id of the checkout
    url: str  # where to send the debtor


@dataclass(frozen=True, slots=True)
class ConfirmedPayment:
    provider_ref: str  # the checkout it pays
    payment_id: str  # the provider's id of the payment itself
    amount_minor: int
    currency: str
    paid_on: date


class ProviderError(Exception):
    """The provider could not be reached, or refused the request."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class WebhookRefused(Exception):
    """A notification that is not authentic, too old, or not readable."""


class ProviderConfigError(ValueError):
    """RELANCE_PAYMENT_PROVIDER or the provider's settings are wrong."""


class PaymentProvider(Protocol):
    name: str

    def create_checkout(self, request: CheckoutRequest) -> HostedCheckout: ...

    def verify_webhook(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> ConfirmedPayment | None: ...
