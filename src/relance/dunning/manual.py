"""What people do with reminders outside the daily run: send one now, edit one awaiting approval,
see one exactly as it will go out.

Manual sends share the run's outbox and history. `send_now` writes an `Action` (origin `manual`,
its own idempotency key `manual:<creditor>:<customer>:<currency>:<channel>:<random>`) that the
worker sends like any other: re-checked when claimed, the contact rules, the archive. The step
is the one the policy gives the customer's items on that day (the same domain planner as the
run); its items *advance* to it, so once sent the next run reads it as an effective send and
does not remind again the morning after. When no step is due that day, the message lists the
overdue items at the level they stand at and moves none of them (it still counts as a contact
for the contact rules). Unsent planned actions of the daily run for the same customer and
currency are cancelled ("superseded by a manual send"): the debtor gets one message, not two.

`edit` changes an action that awaits approval — channel (among its step's channels), tone, a
personal note added to the message, the recipient (one of the customer's contacts) — with a
reason; each edit is recorded on the action (`edits`: who, when, why, old and new values) and
in the audit log.

`preview` renders an action with the worker's own function (`messages.render`); `preview_new`
renders one that does not exist yet (the manual-send form, the template preview page) by
writing it in a transaction that is rolled back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from auditlog.models import LogEntry
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from relance.channels.base import Outbound
from relance.core.errors import BadInput
from relance.customers.models import Contact, Customer
from relance.domain import dunning as dd
from relance.domain.money import CurrencyError, exponent
from relance.dunning.legal_steps import document_for
from relance.dunning.messages import carries_legal_document, render
from relance.dunning.models import (
    LABELS,
    Action,
    ActionItem,
    ActionStatus,
    Origin,
    Pause,
    Policy,
    PolicyAssignment,
)
from relance.dunning.services import ensure_default_policy, history_of
from relance.ledger.models import Invoice, InvoiceStatus

#: Channels a person may send a reminder on from the customer page.
MANUAL_CHANNELS = (
    dd.Channel.EMAIL,
    dd.Channel.SMS,
    dd.Channel.LETTER,
    dd.Channel.REGISTERED_LETTER,
)


def policy_for(customer: Customer) -> Policy:
    """The policy the run uses for `customer`: its own, else its segment's, else the default."""
    own = PolicyAssignment.objects.filter(customer=customer).select_related("policy").first()
    if own is not None:
        return own.policy
    if customer.segment:
        by_segment = (
            PolicyAssignment.objects.filter(
                creditor_id=customer.creditor_id, customer__isnull=True, segment=customer.segment
            )
            .select_related("policy")
            .first()
        )
        if by_segment is not None:
            return by_segment.policy
    return ensure_default_policy(customer.creditor)


def _last_sends(customer: Customer) -> dict[int, tuple[date, str, int, int]]:
    """invoice id → its latest effective send (as services._last_sends, for one customer)."""
    latest: dict[int, tuple[date, str, int, int]] = {}
    rows = ActionItem.objects.filter(
        action__customer=customer, action__status=ActionStatus.SENT, advances=True
    ).values_list("invoice_id", "action__sent_on", "level_key", "level_offset", "repeat")
    for invoice_id, sent_on, key, offset, repeat in rows:
        if sent_on is None or offset is None:
            continue
        old = latest.get(invoice_id)
        if old is None or (sent_on, offset, repeat) > (old[0], old[2], old[3]):
            latest[invoice_id] = (sent_on, key, offset, repeat)
    return latest


@dataclass(frozen=True, slots=True)
class Draft:
    """What a manual send would write: its step, its lines and totals."""

    policy: Policy
    step: dd.Step | None  # None: no step due today, items listed at their level
    repeat: int
    lines: list[tuple[int, str, int | None, int, bool, int]]  # invoice, key, offset, rep, adv, open
    total_minor: int
    overdue_minor: int
    states_penalties: bool


def draft(customer: Customer, currency: str, as_of: date) -> Draft:
    """The message a manual reminder to `customer` in `currency` carries on `as_of`."""
    try:
        scale = exponent(currency)
    except CurrencyError as exc:
        raise BadInput(f"currency: '{currency}' is not a currency code") from exc
    paused = (
        Pause.objects.filter(customer=customer)
        .filter(Q(until__isnull=True) | Q(until__gte=as_of))
        .first()
    )
    if paused is not None:
        raise BadInput(f"the customer is paused: {paused.reason}")
    row = policy_for(customer)
    policy = row.to_domain(customer.creditor.currency)
    paused_invoices: set[int] = set()
    held_back: dict[int, int] = {}  # paused in part (a dispute): minor units held back
    for invoice_id, minor in (
        Pause.objects.filter(invoice__customer=customer)
        .filter(Q(until__isnull=True) | Q(until__gte=as_of))
        .values_list("invoice_id", "amount_minor")
    ):
        if minor is None:
            paused_invoices.add(invoice_id)
        else:
            held_back[invoice_id] = held_back.get(invoice_id, 0) + minor
    invoices = list(
        Invoice.objects.filter(
            customer=customer,
            currency=currency,
            status=InvoiceStatus.ISSUED,
            open_minor__gt=0,
            issue_date__lte=as_of,
        ).order_by("due_date", "id")
    )
    sends = _last_sends(customer)
    items = [
        dd.OpenItem(
            invoice_id=inv.pk,
            customer_id=customer.pk,
            currency=currency,
            due_date=inv.due_date,
            # a partly disputed invoice is reminded for its undisputed part only
            open_amount=Decimal(max(inv.open_minor - held_back.get(inv.pk, 0), 0)).scaleb(-scale),
            history=history_of(policy, sends.get(inv.pk)),
            held="paused"
            if inv.pk in paused_invoices or held_back.get(inv.pk, 0) >= inv.open_minor
            else "",
        )
        for inv in invoices
    ]
    plan = dd.plan_customer(policy, items, as_of, customer.kind)
    message = next((m for m in plan.messages if m.currency == currency), None)
    if message is not None:
        step = policy.steps[message.step]
        reached = [policy.steps[x.level] for x in message.lines if x.level is not None]
        lines = [
            (
                x.item.invoice_id,
                policy.steps[x.level].key if x.level is not None else "",
                policy.steps[x.level].offset_days if x.level is not None else None,
                x.advances.repeat if x.advances is not None else 0,
                x.advances is not None,
                int(x.item.open_amount.scaleb(scale)),
            )
            for x in message.lines
        ]
        return Draft(
            row,
            step,
            message.repeat,
            lines,
            int(message.total.scaleb(scale)),
            int(message.overdue_total.scaleb(scale)),
            step.states_penalties or any(s.states_penalties for s in reached),
        )
    overdue = [i for i in items if i.due_date < as_of and not i.held]
    if not overdue:
        raise BadInput(f"customer {customer.pk} has nothing overdue in {currency} to remind")
    lines = []
    penalties = False
    for item in overdue:
        level = item.history.last_step
        key = policy.steps[level].key if level is not None else ""
        penalties = penalties or (level is not None and policy.steps[level].states_penalties)
        lines.append((item.invoice_id, key, None, 0, False, int(item.open_amount.scaleb(scale))))
    total = sum(x[5] for x in lines)
    return Draft(row, None, 0, lines, total, total, penalties)


def _user(user: object | None) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _write_manual(
    customer: Customer,
    currency: str,
    as_of: date,
    channel: str,
    tone: str,
    note: str,
    contact: Contact | None,
    user: object | None,
    key: str,
) -> Action:
    if channel not in MANUAL_CHANNELS:
        raise BadInput(f"channel: '{channel}' is not one of {', '.join(MANUAL_CHANNELS)}")
    if tone not in {t.value for t in dd.Tone}:
        raise BadInput(f"tone: '{tone}' is not one of courteous, firm, formal")
    if contact is not None and contact.customer_id != customer.pk:
        raise BadInput("contact: not a contact of this customer")
    if note.strip() and channel == dd.Channel.SMS:
        raise BadInput("note: an SMS cannot carry a personal note (its length is limited)")
    plan = draft(customer, currency, as_of)
    step = plan.step
    action = Action.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        currency=currency,
        as_of=as_of,
        policy=plan.policy,
        step_key=step.key if step is not None else "manual",
        step_offset=step.offset_days if step is not None else 0,
        repeat=plan.repeat,
        channel=channel,
        tone=tone,
        kind=step.kind if step is not None else dd.StepKind.REMINDER,
        states_penalties=plan.states_penalties,
        status=ActionStatus.PLANNED,
        origin=Origin.MANUAL,
        total_minor=plan.total_minor,
        overdue_total_minor=plan.overdue_minor,
        idempotency_key=key,
        listed=[[inv, k, minor] for inv, k, _o, _r, adv, minor in plan.lines if not adv],
        note=note.strip(),
        contact=contact,
        created_by=_user(user),
    )
    ActionItem.objects.bulk_create(
        ActionItem(
            action=action,
            invoice_id=inv,
            level_key=k,
            level_offset=offset,
            repeat=rep,
            advances=True,
            open_minor=minor,
        )
        for inv, k, offset, rep, adv, minor in plan.lines
        if adv
    )
    return action


def send_now(
    customer: Customer,
    currency: str,
    as_of: date,
    *,
    channel: str,
    tone: str,
    note: str = "",
    contact: Contact | None = None,
    user: object | None = None,
) -> Action:
    """Write a manual reminder for the worker to send (see the module docstring)."""
    key = f"manual:{customer.creditor_id}:{customer.pk}:{currency}:{channel}:{secrets.token_hex(8)}"
    with transaction.atomic():
        superseded = Action.objects.filter(
            customer=customer,
            currency=currency,
            origin=Origin.RUN,
            status=ActionStatus.PLANNED,
        ).update(status=ActionStatus.CANCELLED, reason="superseded by a manual send")
        action = _write_manual(customer, currency, as_of, channel, tone, note, contact, user, key)
        LogEntry.objects.log_create(
            action,
            force_log=True,
            action=LogEntry.Action.CREATE,
            changes={
                "manual_send": [None, f"{channel}, {tone}"],
                "superseded": [None, str(superseded)],
            },
            actor=_user(user),
        )
    return action


def preview_manual(
    customer: Customer,
    currency: str,
    as_of: date,
    *,
    channel: str,
    tone: str,
    note: str = "",
    contact: Contact | None = None,
) -> Outbound:
    """The message `send_now` would send, rendered by the worker's function; nothing is kept."""
    with transaction.atomic():
        action = _write_manual(
            customer,
            currency,
            as_of,
            channel,
            tone,
            note,
            contact,
            None,
            f"preview:{secrets.token_hex(8)}",
        )
        try:
            return preview(action, as_of)
        finally:
            transaction.set_rollback(True)


def preview(action: Action, as_of: date) -> Outbound:
    """`action` rendered exactly as the worker renders it (raises messages.Unsendable).

    A legal step's document (penalty invoice, formal notice) is issued as the worker would,
    in a transaction that is rolled back: the preview shows it, nothing is kept (a document
    its message already carried is shown as it is)."""
    fresh = (
        Action.objects.select_related("customer", "creditor", "customer__assigned_collector")
        .prefetch_related("items", "customer__contacts")
        .get(pk=action.pk)
    )
    if not carries_legal_document(fresh):
        return render(fresh, as_of)
    with transaction.atomic():
        try:
            return render(fresh, as_of, document=document_for(fresh, as_of))
        finally:
            transaction.set_rollback(True)


def step_channels(action: Action) -> tuple[str, ...]:
    """The channels an action may be switched to: those of its step (else its own)."""
    if action.policy is not None:
        step = action.policy.steps.filter(key=action.step_key).first()
        if step is not None:
            return tuple(str(c) for c in step.channel_list())
    return (action.channel,)


EDITABLE = ("channel", "tone", "note", "contact")


def edit(
    creditor_id: int,
    action_id: int,
    *,
    reason: str,
    user: object | None = None,
    channel: str | None = None,
    tone: str | None = None,
    note: str | None = None,
    contact_id: int | None = None,
) -> Action:
    """Change an action awaiting approval (see the module docstring); BadInput says why not."""
    reason = reason.strip()
    if not reason:
        raise BadInput("reason: a reason is required to edit a reminder")
    with transaction.atomic():
        action = (
            Action.objects.select_for_update().filter(creditor_id=creditor_id, pk=action_id).first()
        )
        if action is None:
            raise BadInput(f"action {action_id} not found")
        if action.status != ActionStatus.NEEDS_APPROVAL:
            raise BadInput(
                f"action {action_id} is {action.status}: only actions awaiting approval are edited"
            )
        changes: dict[str, list[Any]] = {}
        if channel is not None and channel != action.channel:
            allowed = step_channels(action)
            if channel not in allowed:
                raise BadInput(
                    f"channel: '{channel}' is not a channel of step {action.step_key} "
                    f"({', '.join(allowed)})"
                )
            taken = action.run_id is not None and (
                Action.objects.filter(
                    run_id=action.run_id,
                    customer_id=action.customer_id,
                    currency=action.currency,
                    channel=channel,
                )
                .exclude(pk=action.pk)
                .exists()
            )
            if taken:
                raise BadInput(f"channel: this message already goes by {channel}")
            changes["channel"] = [action.channel, channel]
            action.channel = channel
        if tone is not None and tone != action.tone:
            if tone not in {t.value for t in dd.Tone}:
                raise BadInput(f"tone: '{tone}' is not one of courteous, firm, formal")
            changes["tone"] = [action.tone, tone]
            action.tone = tone
        if note is not None and note.strip() != action.note:
            changes["note"] = [action.note, note.strip()]
            action.note = note.strip()
        if contact_id is not None and contact_id != action.contact_id:
            contact = Contact.objects.filter(pk=contact_id, customer_id=action.customer_id).first()
            if contact is None:
                raise BadInput(f"contact: {contact_id} is not a contact of this customer")
            changes["contact"] = [action.contact_id, contact_id]
            action.contact = contact
        if not changes:
            raise BadInput("nothing to change")
        if action.note and action.channel == dd.Channel.SMS:
            raise BadInput("note: an SMS cannot carry a personal note (its length is limited)")
        at = timezone.now()
        who = _user(user)
        action.edits = [
            *action.edits,
            {
                "by": who.get_username() if who is not None else "",
                "at": at.isoformat(),
                "reason": reason[:200],
                "changes": changes,
            },
        ]
        action.save(update_fields=[*EDITABLE, "edits"])
        LogEntry.objects.log_create(
            action,
            force_log=True,
            action=LogEntry.Action.UPDATE,
            changes={
                **{k: [str(a), str(b)] for k, (a, b) in changes.items()},
                "reason": ["", reason],
            },
            actor=who,
        )
    return action


def change_summary(action: Action) -> list[str]:
    """The edits of an action in words, for the UI ("tone: firm → courteous")."""
    out = []
    for entry in action.edits:
        parts = ", ".join(
            f"{name}: {LABELS.get(old, old) or '—'} → {LABELS.get(new, new) or '—'}"
            for name, (old, new) in entry["changes"].items()
        )
        out.append(f"{entry['at'][:16]} {entry['by']}: {parts} ({entry['reason']})")
    return out


def preview_template(
    customer: Customer,
    *,
    step_key: str = "",
    tone: str | None = None,
    lang: str | None = None,
    channel: str | None = None,
    kind: str | None = None,
    currency: str | None = None,
) -> Outbound:
    """A step's message (or a statement, `kind="statement"`) for `customer`'s open items, in
    the tone, language and channel chosen (default: the step's), rendered by the worker's
    function; written in a transaction that is rolled back, so nothing is kept."""
    from relance.dunning.messages import LANGUAGES
    from relance.dunning.sending import plan_statement

    currency = currency or customer.currency
    today = timezone.localdate()
    if lang is not None and lang not in LANGUAGES:
        raise BadInput(f"lang: '{lang}' is not one of {', '.join(LANGUAGES)}")
    if tone is not None and tone not in {t.value for t in dd.Tone}:
        raise BadInput(f"tone: '{tone}' is not one of courteous, firm, formal")
    if channel is not None and channel not in {c.value for c in dd.Channel}:
        raise BadInput(f"channel: '{channel}' is not a channel")
    with transaction.atomic():
        try:
            if lang is not None:
                Customer.objects.filter(pk=customer.pk).update(language=lang)
            if kind == "statement":
                action = plan_statement(
                    customer, currency, today, channel=channel or dd.Channel.EMAIL
                ).action
            else:
                action = _template_action(customer, currency, today, step_key, tone, channel)
            return preview(action, today)
        finally:
            transaction.set_rollback(True)


def _template_action(
    customer: Customer,
    currency: str,
    today: date,
    step_key: str,
    tone: str | None,
    channel: str | None,
) -> Action:
    row = policy_for(customer)
    step = row.steps.filter(key=step_key).first()
    if step is None:
        raise BadInput(f"step: '{step_key}' is not a step of the policy '{row.key}'")
    channels = step.channel_list()
    invoices = list(
        Invoice.objects.filter(
            customer=customer,
            currency=currency,
            status=InvoiceStatus.ISSUED,
            open_minor__gt=0,
            issue_date__lte=today,
        ).order_by("due_date", "id")
    )
    if not invoices:
        raise BadInput(f"customer {customer.pk} has no open invoice in {currency}")
    total = sum(i.open_minor for i in invoices)
    overdue = sum(i.open_minor for i in invoices if i.due_date < today)
    return Action.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        currency=currency,
        as_of=today,
        policy=row,
        step_key=step.key,
        step_offset=step.offset_days,
        channel=channel or channels[0],
        tone=tone or step.tone,
        kind=step.kind,
        states_penalties=step.states_penalties,
        status=ActionStatus.PLANNED,
        origin=Origin.MANUAL,
        total_minor=total,
        overdue_total_minor=overdue,
        idempotency_key=f"preview:{secrets.token_hex(8)}",
        listed=[[i.pk, "", i.open_minor] for i in invoices],
    )
