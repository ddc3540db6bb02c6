"""What the call screen and the dispute pages show: the call script of the customer's current
dunning step, the open items with their disputed parts, the recent history.

Read-only helpers for the pages and the API; the use cases are in disputes.py and calls.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from relance.accounts.models import Membership, Role
from relance.channels.models import Correspondence
from relance.core.errors import BadInput
from relance.customers.models import Contact, Customer
from relance.domain import dunning as dd
from relance.dunning.manual import draft
from relance.dunning.messages import Recipient, call_script
from relance.dunning.models import LABELS, Action, ActionStatus, Origin
from relance.dunning.services import TONE_ORDER, partial_pauses
from relance.ledger.models import Invoice, InvoiceStatus
from relance.negotiation.disputes import ACTIVE, disputed_amounts
from relance.negotiation.models import CallLog, Dispute, Promise


@dataclass(frozen=True, slots=True)
class Script:
    text: str  # "" when there is none, `why` says why
    tone: str
    why: str = ""


def script_for(customer: Customer, as_of: date, contact: Contact | None = None) -> Script:
    """The call script for `customer` on `as_of`, in the tone of its current dunning step (the
    step due that day, or the firmest level its overdue invoices reached), listing what a
    reminder would claim (disputed parts left out and named). Rendered by the worker's own
    templates from an action written in a transaction that is rolled back."""
    try:
        plan = draft(customer, customer.currency, as_of)
    except BadInput as exc:
        return Script("", "", str(exc))
    policy = plan.policy.to_domain(customer.creditor.currency)
    tones = [plan.step.tone] if plan.step is not None else []
    for _invoice, key, *_rest in plan.lines:
        if key and key in {s.key for s in policy.steps}:
            tones.append(policy.steps[policy.index(key)].tone)
    tone = max(tones or [dd.Tone.COURTEOUS], key=TONE_ORDER.__getitem__)
    name = contact.full_name if contact is not None else ""
    to = Recipient(contact.call_number if contact is not None else "", name)
    with transaction.atomic():
        action = Action.objects.create(
            creditor_id=customer.creditor_id,
            customer=customer,
            currency=customer.currency,
            as_of=as_of,
            policy=plan.policy,
            step_key=plan.step.key if plan.step is not None else "manual",
            step_offset=plan.step.offset_days if plan.step is not None else 0,
            channel=dd.Channel.CALL,
            tone=tone,
            kind=dd.StepKind.REMINDER,
            status=ActionStatus.PLANNED,
            origin=Origin.MANUAL,
            total_minor=plan.total_minor,
            overdue_total_minor=plan.overdue_minor,
            idempotency_key=f"preview:{secrets.token_hex(8)}",
            listed=[[inv, key, minor] for inv, key, _o, _r, _a, minor in plan.lines],
        )
        try:
            text = call_script(action, as_of, to)
        finally:
            transaction.set_rollback(True)
    return Script(text, str(LABELS[dd.Tone(tone)]))


@dataclass(frozen=True, slots=True)
class OpenItem:
    invoice: Invoice
    days_overdue: int
    disputed_minor: int  # held back by a dispute (0: none)
    dispute_id: int | None


def open_items(customer: Customer, as_of: date) -> list[OpenItem]:
    """The customer's open invoices, oldest due first, with the part in dispute."""
    invoices = list(
        Invoice.objects.filter(
            customer=customer, status=InvoiceStatus.ISSUED, open_minor__gt=0
        ).order_by("due_date", "id")
    )
    ids = [i.pk for i in invoices]
    disputes = disputed_amounts(ids)
    partial = partial_pauses(ids, as_of)
    found = []
    for invoice in invoices:
        dispute_id, minor = disputes.get(invoice.pk, (None, 0))
        held = min(partial.get(invoice.pk, minor), invoice.open_minor) if dispute_id else 0
        found.append(OpenItem(invoice, max((as_of - invoice.due_date).days, 0), held, dispute_id))
    return found


@dataclass(frozen=True, slots=True)
class History:
    messages: list[tuple[Correspondence, str]]  # each with its channel's label
    calls: list[CallLog]
    promises: list[Promise]
    disputes: list[Dispute]


def history(customer: Customer, limit: int = 10) -> History:
    """The latest messages sent, calls, promises and disputes of the customer."""
    return History(
        messages=[
            (m, str(LABELS.get(m.channel, m.channel)))
            for m in Correspondence.objects.filter(customer=customer).order_by("-sent_at", "-id")[
                :limit
            ]
        ],
        calls=list(
            CallLog.objects.filter(customer=customer)
            .select_related("contact", "user")
            .order_by("-at", "-pk")[:limit]
        ),
        promises=list(
            Promise.objects.filter(customer=customer).order_by("-taken_on", "-pk")[:limit]
        ),
        disputes=list(
            Dispute.objects.filter(customer=customer)
            .prefetch_related("items__invoice")
            .order_by("-opened_on", "-pk")[:limit]
        ),
    )


def active_disputes_of(customers: QuerySet[Customer]) -> QuerySet[Dispute]:
    return Dispute.objects.filter(customer__in=customers, status__in=ACTIVE)


def members_who_act(creditor_id: int) -> list[Any]:
    """Users who may own a dispute: the creditor's members except read-only ones."""
    return [
        m.user
        for m in Membership.objects.filter(creditor_id=creditor_id)
        .exclude(role=Role.READ_ONLY)
        .select_related("user")
        .order_by("user__username")
    ]
