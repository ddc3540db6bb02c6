"""Call logging: a call or a meeting with the customer, its outcome and what follows from it
(docs/negotiation.md, "Calls").

    log_call(customer, user=…, at=…, outcome="no_answer", contact=…)
    record_call(customer, user=…, at=…, outcome="promise", promise={...})   # the call screen

Outcomes and their effects:

- `wrong_number`: the contact's number is flagged to update (`Contact.phone_wrong_since`,
  `phone_wrong_reason`); the dunning run plans no call task to a customer left without
  another number, and the worker never dials a flagged number;
- `promise`: needs the promise taken during the call (`record_call` takes it through
  `relance.negotiation.promises.take_promise` in the same transaction);
- `dispute`: needs the dispute opened during the call (`record_call` opens it through
  `relance.negotiation.disputes.open_dispute`, source "call" or "meeting");
- `copy_requested`: a copy of each invoice named is sent by email through the outbox
  (`relance.dunning.sending.plan_invoice_copy`): sent by the worker, archived like every
  message;
- `call_back`: needs the date to call back on;
- `reached`, `no_answer`, `plan_requested`: recorded.

One call a day: a second outbound call logged for a customer on the same business day (the
date of `at` in TIME_ZONE) is refused with the reason, and so is an outbound call on a day a
call task of the dunning run was handed out for that customer and not logged against
(log the call against the task: `action`). Inbound calls and meetings are never refused.
The database enforces it too (unique customer + day for outbound calls). Logged outbound
calls count in the contact history the engine's contact rules read
(`relance.dunning.services.recent_contacts`).

Call and meeting tasks: a dunning step on the `call` (or `meeting`) channel is planned as an
`Action`; the worker hands it to the collector through the capture backend, the only one that
carries these channels (the call script is captured and archived; the action becomes `sent`,
and counts as that day's call). A call logged with `action=` carries the task out: the task
is done once a call log points to it. A task not handed out yet (planned, or awaiting
approval) is marked sent on the day of the call, so that its invoices reach the step as if
the worker had sent it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from relance.accounts.access import can_see_customer
from relance.accounts.models import Membership
from relance.core.errors import BadInput
from relance.customers.models import Contact, Customer
from relance.domain import dunning as dd
from relance.dunning.models import DOCUMENT_KINDS, Action, ActionStatus
from relance.dunning.sending import plan_invoice_copy
from relance.ledger.models import Invoice
from relance.negotiation.disputes import ItemIn, open_dispute
from relance.negotiation.models import (
    CallDirection,
    CallKind,
    CallLog,
    CallOutcome,
    Dispute,
    Promise,
    Source,
)
from relance.negotiation.promises import take_promise

#: Channels of the dunning tasks a logged call or meeting carries out.
TASK_CHANNELS = (dd.Channel.CALL, dd.Channel.MEETING)
#: Statuses of a task not carried out yet (waiting, or handed out to the collector).
TASK_OPEN = (ActionStatus.NEEDS_APPROVAL, ActionStatus.PLANNED, ActionStatus.SENT)


def business_day(at: datetime) -> date:
    """The business date of a moment (TIME_ZONE)."""
    if timezone.is_naive(at):
        raise BadInput("at: a moment with its time zone is expected")
    return timezone.localdate(at)


def _membership(customer: Customer, user: Any) -> Membership:
    if not getattr(user, "is_authenticated", False):
        raise BadInput("user: a call is logged by a person")
    found = Membership.objects.filter(user_id=user.pk, creditor_id=customer.creditor_id).first()
    if found is None:
        raise BadInput("customer: a customer of another creditor than yours")
    if not found.can_write:
        raise BadInput("user: a read-only role logs no calls")
    if not can_see_customer(found, customer):
        raise BadInput("customer: not one of your customers")
    return found


def open_tasks(customers: QuerySet[Customer]) -> QuerySet[Action]:
    """The call and meeting tasks of these customers no call log has carried out yet."""
    return (
        Action.objects.filter(
            customer__in=customers, channel__in=TASK_CHANNELS, status__in=TASK_OPEN
        )
        .exclude(kind__in=DOCUMENT_KINDS)
        .exclude(pk__in=CallLog.objects.filter(action__isnull=False).values("action_id"))
        .order_by("-as_of", "-pk")
    )


def _check_task(customer: Customer, action: Action, kind: str) -> None:
    if action.customer_id != customer.pk:
        raise BadInput(f"action: task {action.pk} is not a task of this customer")
    if action.channel not in TASK_CHANNELS or action.kind in DOCUMENT_KINDS:
        raise BadInput(f"action: {action.pk} is not a call or meeting task")
    if action.channel != kind:
        raise BadInput(f"action: task {action.pk} is a {action.channel} task, not a {kind}")
    if CallLog.objects.filter(action=action).exists():
        raise BadInput(f"action: task {action.pk} was already carried out by a logged call")
    if action.status == ActionStatus.SENDING:
        raise BadInput(f"action: task {action.pk} is being handed out right now; try again")
    if action.status not in TASK_OPEN:
        raise BadInput(f"action: task {action.pk} is {action.status}: nothing to carry out")


def _one_a_day(customer: Customer, on: date, action: Action | None) -> None:
    """Refuse a second outbound call to `customer` on `on` (BadInput with the reason)."""
    if CallLog.objects.filter(
        customer=customer, on=on, kind=CallKind.CALL, direction=CallDirection.OUTBOUND
    ).exists():
        raise BadInput(
            f"a call to this customer was already logged on {on.isoformat()}: at most one "
            "call a day (an inbound call, the customer calling, is always recorded)"
        )
    handed_out = (
        Action.objects.filter(
            customer=customer, channel=dd.Channel.CALL, status=ActionStatus.SENT, sent_on=on
        )
        .exclude(kind__in=DOCUMENT_KINDS)
        .exclude(pk__in=CallLog.objects.filter(action__isnull=False).values("action_id"))
    )
    if action is not None:
        handed_out = handed_out.exclude(pk=action.pk)
    task = handed_out.order_by("pk").first()
    if task is not None:
        raise BadInput(
            f"a call task for this customer was handed out on {on.isoformat()} "
            f"(task {task.pk}): log this call against it, at most one call a day"
        )


def _flag_wrong_number(contact: Contact, at: datetime, note: str) -> None:
    if not contact.call_number:
        raise BadInput(f"contact: {contact} has no phone number to flag as wrong")
    contact.phone_wrong_since = at
    contact.phone_wrong_reason = (
        note.strip() or f"wrong number ({contact.call_number}), call of {business_day(at)}"
    )[:200]
    contact.save(update_fields=["phone_wrong_since", "phone_wrong_reason", "updated_at"])


def clear_wrong_number(contact: Contact) -> None:
    """The number was checked or corrected: calls may use it again."""
    contact.phone_wrong_since = None
    contact.phone_wrong_reason = ""
    contact.save(update_fields=["phone_wrong_since", "phone_wrong_reason", "updated_at"])


def _copy_invoices(customer: Customer, ids: Iterable[int]) -> list[Invoice]:
    wanted = sorted(set(ids))
    if not wanted:
        raise BadInput("invoices: the outcome 'copy_requested' needs the invoices to send")
    found = {i.pk: i for i in Invoice.objects.filter(customer=customer, pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise BadInput(f"invoices: not invoices of this customer: {', '.join(map(str, missing))}")
    return [found[pk] for pk in wanted]


@transaction.atomic
def log_call(
    customer: Customer,
    *,
    user: Any,
    at: datetime,
    outcome: str,
    contact: Contact | None = None,
    kind: str = CallKind.CALL,
    direction: str = CallDirection.OUTBOUND,
    note: str = "",
    call_back_on: date | None = None,
    action: Action | None = None,
    promise: Promise | None = None,
    dispute: Dispute | None = None,
    invoices: Iterable[int] | None = None,
) -> CallLog:
    """Record a call or meeting and apply its outcome (see the module docstring).

    BadInput says which field is wrong and why; nothing is written then."""
    _membership(customer, user)
    if outcome not in CallOutcome.values:
        raise BadInput(f"outcome: '{outcome}' is not one of {', '.join(CallOutcome.values)}")
    if kind not in CallKind.values:
        raise BadInput(f"kind: '{kind}' is not one of {', '.join(CallKind.values)}")
    if direction not in CallDirection.values:
        raise BadInput(f"direction: '{direction}' is not one of {', '.join(CallDirection.values)}")
    on = business_day(at)
    if contact is not None and contact.customer_id != customer.pk:
        raise BadInput("contact: not a contact of this customer")
    outbound_call = kind == CallKind.CALL and direction == CallDirection.OUTBOUND
    if outbound_call and contact is not None and contact.opt_out_phone:
        raise BadInput(f"contact: {contact} asked not to be called (opted out of calls)")
    if outcome == CallOutcome.WRONG_NUMBER:
        if kind != CallKind.CALL:
            raise BadInput("outcome: a wrong number is the outcome of a call, not a meeting")
        if contact is None:
            raise BadInput("contact: a wrong number needs the contact whose number it is")
        if not contact.call_number:
            raise BadInput(f"contact: {contact} has no phone number to flag as wrong")
    if outcome == CallOutcome.CALL_BACK and call_back_on is None:
        raise BadInput("call_back_on: the outcome 'call_back' needs the date to call back on")
    if call_back_on is not None and call_back_on < on:
        raise BadInput(
            f"call_back_on: {call_back_on.isoformat()} is before the call ({on.isoformat()})"
        )
    if outcome == CallOutcome.PROMISE and promise is None:
        raise BadInput("promise: the outcome 'promise' needs the promise taken")
    if promise is not None:
        if outcome != CallOutcome.PROMISE:
            raise BadInput("promise: only with the outcome 'promise'")
        if promise.customer_id != customer.pk:
            raise BadInput(f"promise: #{promise.pk} is not a promise of this customer")
    if outcome == CallOutcome.DISPUTE and dispute is None:
        raise BadInput("dispute: the outcome 'dispute' needs the dispute opened")
    if dispute is not None:
        if outcome != CallOutcome.DISPUTE:
            raise BadInput("dispute: only with the outcome 'dispute'")
        if dispute.customer_id != customer.pk:
            raise BadInput(f"dispute: #{dispute.pk} is not a dispute of this customer")
    copies: list[Invoice] = []
    if outcome == CallOutcome.COPY_REQUESTED:
        copies = _copy_invoices(customer, invoices or [])
    elif invoices:
        raise BadInput("invoices: only with the outcome 'copy_requested'")
    if action is not None:
        _check_task(customer, action, kind)
    # Serialise the calls of one customer (PostgreSQL), then the one-call-a-day rule.
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    if outbound_call:
        _one_a_day(customer, on, action)
    try:
        with transaction.atomic():
            log = CallLog.objects.create(
                creditor_id=customer.creditor_id,
                customer=customer,
                contact=contact,
                kind=kind,
                direction=direction,
                number=contact.call_number if contact is not None else "",
                at=at,
                on=on,
                outcome=outcome,
                call_back_on=call_back_on,
                note=note.strip(),
                user=user,
                action=action,
                promise=promise,
                dispute=dispute,
            )
    except IntegrityError:
        # Another call logged at the same moment: the database kept one.
        raise BadInput(
            f"a call to this customer was already logged on {on.isoformat()}: at most one "
            "call a day"
        ) from None
    if outcome == CallOutcome.WRONG_NUMBER and contact is not None:
        _flag_wrong_number(contact, at, note)
    for invoice in copies:
        plan_invoice_copy(invoice, on, reference=f"call-{log.pk}", contact=contact, user=user)
    if action is not None and action.status != ActionStatus.SENT:
        # Carried out before the worker handed it out: the call is the step's contact.
        Action.objects.filter(pk=action.pk).update(
            status=ActionStatus.SENT, sent_on=on, reason=f"carried out by call {log.pk}"
        )
    return log


@dataclass(frozen=True, slots=True)
class PromiseIn:
    """A promise taken during the call (see take_promise)."""

    amount_minor: int
    promised_on: date
    invoices: list[int] | None = None


@dataclass(frozen=True, slots=True)
class DisputeIn:
    """A dispute opened during the call (see open_dispute)."""

    reason: str
    items: list[ItemIn]
    description: str = ""
    due_on: date | None = None


@transaction.atomic
def record_call(
    customer: Customer,
    *,
    user: Any,
    at: datetime,
    outcome: str,
    new_promise: PromiseIn | None = None,
    new_dispute: DisputeIn | None = None,
    **fields: Any,
) -> CallLog:
    """`log_call`, taking the promise or opening the dispute of the call in the same
    transaction (the call screen and the API): nothing is kept when anything is refused."""
    kind = fields.get("kind", CallKind.CALL)
    source = Source.MEETING if kind == CallKind.MEETING else Source.CALL
    on = business_day(at)
    _membership(customer, user)
    if kind == CallKind.CALL and fields.get("direction", CallDirection.OUTBOUND) == (
        CallDirection.OUTBOUND
    ):
        # the reason that matters first: no promise or dispute is taken on a refused call
        _one_a_day(customer, on, fields.get("action"))
    if outcome == CallOutcome.PROMISE:
        if new_promise is None:
            raise BadInput("promise: the outcome 'promise' needs the amount and date promised")
        fields["promise"] = take_promise(
            customer,
            amount_minor=new_promise.amount_minor,
            promised_on=new_promise.promised_on,
            taken_on=on,
            channel=source,
            user=user,
            invoices=new_promise.invoices,
            contact=fields.get("contact"),
            note=str(fields.get("note", "")),
        )
    if outcome == CallOutcome.DISPUTE:
        if new_dispute is None:
            raise BadInput("dispute: the outcome 'dispute' needs the reason and invoices")
        fields["dispute"] = open_dispute(
            customer,
            items=new_dispute.items,
            reason=new_dispute.reason,
            opened_on=on,
            user=user,
            owner=user,
            due_on=new_dispute.due_on,
            description=new_dispute.description,
            source=source,
        )
    return log_call(customer, user=user, at=at, outcome=outcome, **fields)


def history(customer: Customer, limit: int = 20) -> list[CallLog]:
    """The customer's latest calls and meetings, newest first."""
    return list(
        CallLog.objects.filter(customer=customer)
        .select_related("contact", "user")
        .order_by("-at", "-pk")[:limit]
    )
