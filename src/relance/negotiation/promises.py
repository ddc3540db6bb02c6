"""Promises to pay: taking one, replacing one, the reminder the day before, the verdict.

    take_promise(customer, amount_minor=…, promised_on=…, taken_on=…, channel=…, user=…,
                 invoices=[…], contact=None, note="", replaces=None) -> Promise
    cancel_promise(promise, on, user=None, reason="")
    evaluate_promises(creditor, day) -> counts     (called by relance.negotiation.daily)

A pending promise pauses automatic reminders on the invoices it names (every open invoice of
the customer in its currency when it names none) until `promised_on` + PROMISE_GRACE_DAYS:
one `relance.dunning.models.Pause` per invoice, which the run and the worker's re-check
honour. `end_pauses(promise, on)` ends them (the promise kept, broken or cancelled).

Overlapping promises: a new promise on an invoice already under a pending promise is refused
with the reason, unless it names that promise in `replaces`: the old one is then cancelled,
its `replaced_by` set and its pauses ended.

Margins (relance.negotiation.margins): a promise further beyond the earliest due date of its
invoices than the taker's role may grant is recorded, pending, with an ApprovalRequest; until
a credit manager approves it, its pauses last only as far as the margin allows (the due date
plus the margin, at least the day it is taken). Approved, they run to the promised date plus
grace; refused, the promise is cancelled and its pauses end.

The verdict (`evaluate_promises`): the payments received on its invoices since the day it
was taken decide. As soon as they reach the amount, the promise is kept. After the promised
date plus grace: partly kept when some was received, broken when nothing was. Kept, partly
kept or broken, its pauses end; after a broken promise the run resumes at a firmer step
(relance.negotiation.escalation).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.customers.models import Contact, Customer
from relance.dunning.models import Pause
from relance.negotiation.common import cancel_planned, open_invoices, paid_since
from relance.negotiation.margins import margin_for, need_writer, open_request, promise_excess
from relance.negotiation.models import (
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    Promise,
    PromiseStatus,
    Source,
)

#: days after the promised date during which the payment is awaited before the promise is
#: judged (bank transfers take a day or two to show on the statement)
PROMISE_GRACE_DAYS = 2


def _reason(promise: Promise) -> str:
    return f"promise to pay #{promise.pk} by {promise.promised_on.isoformat()}"


def _pending_overlaps(customer: Customer, invoice_ids: set[int]) -> dict[int, list[str]]:
    """Pending promises of the customer on any of these invoices: promise id → numbers."""
    found: dict[int, list[str]] = {}
    rows = Promise.invoices.through.objects.filter(
        promise__customer=customer,
        promise__status=PromiseStatus.PENDING,
        invoice_id__in=invoice_ids,
    ).values_list("promise_id", "invoice__number")
    for promise_id, number in rows:
        found.setdefault(promise_id, []).append(number)
    return found


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
    replaces: Promise | int | None = None,
) -> Promise:
    """Record a pending promise and pause reminders on its invoices (BadInput when refused,
    margins.NotAllowed for a read-only user)."""
    role = need_writer(user, customer.creditor_id)
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
    covered = open_invoices(customer, currency, invoices)
    if not covered:
        raise BadInput(f"this customer has no open invoice in {currency}: nothing to promise")
    open_total = sum(i.open_minor for i in covered)
    if amount_minor > open_total:
        raise BadInput(
            f"amount: {amount_minor / 100:.2f} is more than the open total of its invoices "
            f"({open_total / 100:.2f})"
        )
    old: Promise | None = None
    if replaces is not None:
        old_id = replaces.pk if isinstance(replaces, Promise) else int(replaces)
        old = (
            Promise.objects.select_for_update()
            .filter(pk=old_id, customer=customer, status=PromiseStatus.PENDING)
            .first()
        )
        if old is None:
            raise BadInput(f"replaces: promise {old_id} is not a pending promise of this customer")
    overlaps = _pending_overlaps(customer, {i.pk for i in covered})
    if old is not None:
        overlaps.pop(old.pk, None)
    if overlaps:
        promise_id, numbers = sorted(overlaps.items())[0]
        other = Promise.objects.get(pk=promise_id)
        raise BadInput(
            f"invoices: {', '.join(sorted(numbers))} already under pending promise "
            f"#{promise_id} ({other.amount_minor / 100:.2f} {other.currency} by "
            f"{other.promised_on.isoformat()}); replace it to change it"
        )
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
    why = ""
    if role is not None:
        margin = margin_for(customer.creditor_id, role)
        why = promise_excess(margin, promised_on, [i.due_date for i in covered])
        if why:
            limit = min(i.due_date for i in covered) + timedelta(days=margin.max_extension_days)
            until = min(until, max(limit, taken_on))
    pauses = Pause.objects.bulk_create(
        Pause(
            creditor_id=customer.creditor_id,
            invoice=invoice,
            reason=_reason(promise),
            until=until,
            created_by=promise.taken_by,
        )
        for invoice in covered
    )
    promise.pauses.set(pauses)
    if why:
        open_request(ApprovalKind.PROMISE, promise, customer, why, user)
    if old is not None:
        _close(old, PromiseStatus.CANCELLED, taken_on, f"replaced by promise #{promise.pk}")
        Promise.objects.filter(pk=old.pk).update(replaced_by=promise)
    return promise


def end_pauses(promise: Promise, on: date) -> int:
    """End the promise's pauses: the last paused day is the day before `on`."""
    return Pause.objects.filter(pk__in=promise.pauses.values("pk")).update(
        until=on - timedelta(days=1)
    )


def is_pending(promise: Promise) -> bool:
    return promise.status == PromiseStatus.PENDING


def needs_approval(promise: Promise) -> bool:
    return ApprovalRequest.objects.filter(promise=promise, status=ApprovalStatus.PENDING).exists()


def _close(promise: Promise, status: str, on: date, why: str, paid_minor: int = 0) -> None:
    Promise.objects.filter(pk=promise.pk).update(
        status=status, settled_on=on, paid_minor=paid_minor
    )
    promise.status, promise.settled_on, promise.paid_minor = status, on, paid_minor
    end_pauses(promise, on)
    cancel_planned(promise.reminder_action_id, f"promise #{promise.pk}: {why}")


@transaction.atomic
def cancel_promise(promise: Promise, on: date, *, user: Any = None, reason: str = "") -> Promise:
    """Withdraw a pending promise (its pauses end, its reminder is not sent)."""
    need_writer(user, promise.creditor_id)
    promise = Promise.objects.select_for_update().get(pk=promise.pk)
    if promise.status != PromiseStatus.PENDING:
        raise BadInput(f"promise #{promise.pk} is {promise.status}, not pending")
    _close(promise, PromiseStatus.CANCELLED, on, reason or "cancelled")
    ApprovalRequest.objects.filter(promise=promise, status=ApprovalStatus.PENDING).update(
        status=ApprovalStatus.REFUSED, decision_note="promise cancelled"
    )
    return promise


def approved(promise: Promise) -> None:
    """The credit manager granted the promise: its pauses run to its date plus grace."""
    if promise.status != PromiseStatus.PENDING:
        raise BadInput(f"promise #{promise.pk} is {promise.status}, not pending any more")
    until = promise.promised_on + timedelta(days=PROMISE_GRACE_DAYS)
    Pause.objects.filter(pk__in=promise.pauses.values("pk")).update(until=until)


def refused(promise: Promise, on: date) -> None:
    """The credit manager refused the promise: cancelled, its pauses end."""
    if promise.status == PromiseStatus.PENDING:
        _close(promise, PromiseStatus.CANCELLED, on, "refused by the credit manager")


def evaluate_promises(creditor: Creditor, day: date) -> dict[str, int]:
    """Reminders the day before, and verdicts; running twice for a day changes nothing."""
    counts = {
        "promise_reminders": 0,
        "promises_kept": 0,
        "promises_partly_kept": 0,
        "promises_broken": 0,
        "promise_reminders_no_channel": 0,
    }
    from relance.negotiation.reminders import plan_promise_reminder

    pending = Promise.objects.filter(creditor=creditor, status=PromiseStatus.PENDING).order_by(
        "promised_on", "id"
    )
    for promise in pending.prefetch_related("invoices"):
        with transaction.atomic():
            invoice_ids = [i.pk for i in promise.invoices.all()]
            paid = paid_since(invoice_ids, promise.taken_on, day)
            if paid >= promise.amount_minor:
                _close(promise, PromiseStatus.KEPT, day, "kept", paid)
                counts["promises_kept"] += 1
                continue
            judged_on = promise.promised_on + timedelta(days=PROMISE_GRACE_DAYS + 1)
            if day >= judged_on:
                if paid > 0:
                    _close(promise, PromiseStatus.PARTLY_KEPT, day, "partly kept", paid)
                    counts["promises_partly_kept"] += 1
                else:
                    _close(promise, PromiseStatus.BROKEN, day, "broken", 0)
                    counts["promises_broken"] += 1
                continue
            reminder_day = promise.promised_on - timedelta(days=1)
            if (
                reminder_day <= day <= promise.promised_on
                and promise.taken_on < reminder_day
                and promise.reminder_action_id is None
            ):
                if plan_promise_reminder(promise, day) is None:
                    counts["promise_reminders_no_channel"] += 1
                else:
                    counts["promise_reminders"] += 1
    return counts
