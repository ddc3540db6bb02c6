"""Promises to pay: taking one, and the pauses it holds.

    take_promise(customer, amount_minor=…, promised_on=…, taken_on=…, channel=…, user=…,
                 invoices=[…], contact=None, note="") -> Promise

A pending promise pauses automatic reminders on the invoices it names (every open invoice of
the customer in its currency when it names none) until `promised_on` + PROMISE_GRACE_DAYS:
one `relance.dunning.models.Pause` per invoice, which the run and the worker's re-check
honour. `end_pauses(promise, on)` ends them (the promise kept, broken or cancelled).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from relance.core.errors import BadInput
from relance.customers.models import Contact, Customer
from relance.dunning.models import Pause
from relance.ledger.models import Invoice, InvoiceStatus
from relance.negotiation.models import Promise, PromiseStatus, Source

#: days after the promised date during which the payment is awaited before the promise is
#: judged (bank transfers take a day or two to show on the statement)
PROMISE_GRACE_DAYS = 2


def _open_invoices(customer: Customer, currency: str, ids: Iterable[int] | None) -> list[Invoice]:
    qs = Invoice.objects.filter(
        customer=customer, currency=currency, status=InvoiceStatus.ISSUED, open_minor__gt=0
    )
    if ids is None:
        return list(qs.order_by("due_date", "id"))
    wanted = sorted(set(ids))
    found = {i.pk: i for i in qs.filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise BadInput(
            "invoices: not open invoices of this customer in "
            f"{currency}: {', '.join(str(pk) for pk in missing)}"
        )
    return [found[pk] for pk in wanted]


@transaction.atomic
def take_promise(
    customer: Customer,
    *,
    amount_minor: int,
    promised_on: date,
    taken_on: date,
    channel: str = Source.MANUAL,
    user: Any = None,
    invoices: Iterable[int] | None = None,
    contact: Contact | None = None,
    currency: str | None = None,
    note: str = "",
) -> Promise:
    """Record a pending promise and pause reminders on its invoices (BadInput when refused)."""
    currency = currency or customer.currency
    if amount_minor <= 0:
        raise BadInput("amount: a promise is for an amount greater than zero")
    if promised_on < taken_on:
        raise BadInput(
            f"promised_on: {promised_on.isoformat()} is before the day the promise is "
            f"taken ({taken_on.isoformat()})"
        )
    if channel not in Source.values:
        raise BadInput(f"channel: '{channel}' is not one of {', '.join(Source.values)}")
    if contact is not None and contact.customer_id != customer.pk:
        raise BadInput("contact: not a contact of this customer")
    covered = _open_invoices(customer, currency, invoices)
    if not covered:
        raise BadInput(f"this customer has no open invoice in {currency}: nothing to promise")
    promise = Promise.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        contact=contact,
        currency=currency,
        amount_minor=amount_minor,
        promised_on=promised_on,
        taken_on=taken_on,
        channel=channel,
        taken_by=user if getattr(user, "is_authenticated", False) else None,
        note=note,
    )
    promise.invoices.set(covered)
    until = promised_on + timedelta(days=PROMISE_GRACE_DAYS)
    pauses = Pause.objects.bulk_create(
        Pause(
            creditor_id=customer.creditor_id,
            invoice=invoice,
            reason=f"promise to pay #{promise.pk} by {promised_on.isoformat()}",
            until=until,
            created_by=promise.taken_by,
        )
        for invoice in covered
    )
    promise.pauses.set(pauses)
    return promise


def end_pauses(promise: Promise, on: date) -> int:
    """End the promise's pauses: the last paused day is the day before `on`."""
    return Pause.objects.filter(pk__in=promise.pauses.values("pk")).update(
        until=on - timedelta(days=1)
    )


def is_pending(promise: Promise) -> bool:
    return promise.status == PromiseStatus.PENDING
