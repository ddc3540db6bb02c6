"""The daily run: ledger + policies + as-of date → one plan per creditor and date.

    result = plan_run(creditor, date(2025, 4, 8))            # writes the Run (once per date)
    result = plan_run(creditor, date(2025, 4, 9), dry_run=True)  # tomorrow's reminders

Set-based: a handful of queries (policies, assignments, pauses, customers, open
invoices, histories), the domain decides per customer in memory, the plan is
written with bulk inserts. The level each open invoice has reached comes from the
history of effective sends (actions with status `sent`), never from counters.
Running again for the same date returns the plan already written; two runs at
once are serialised by the database (unique creditor + date); a run dated before
the latest run is refused.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from time import perf_counter
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from relance.channels.rules import rules_for
from relance.core.bulk import bulk_insert, insert_tuples
from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.customers.models import Contact as ContactRow
from relance.customers.models import Customer
from relance.domain import dunning as dd
from relance.domain.contact_rules import WEEK, Contact, ContactRules, Verdict, check
from relance.domain.money import Money
from relance.dunning.models import (
    DOCUMENT_KINDS,
    Action,
    ActionItem,
    ActionStatus,
    Holdback,
    Pause,
    Policy,
    PolicyAssignment,
    PolicyStep,
    Run,
)
from relance.ledger.models import Invoice, InvoiceStatus
from relance.negotiation.models import CallDirection, CallKind, CallLog

BULK = 5000

#: Sources of "resume firmer" dates: functions (creditor id, as-of date) → {invoice id: the
#: day a promise on it was broken or a plan breached}. Until the first message sent for such
#: an invoice on or after that day, the run plans it at least at its firmer step
#: (relance.domain.dunning.firmer_step). relance.negotiation registers its own at start-up.
FIRMER_AFTER: list[Callable[[int, date], dict[int, date]]] = []


def _firmer_after(creditor: Creditor, as_of: date) -> dict[int, date]:
    found: dict[int, date] = {}
    for source in FIRMER_AFTER:
        for invoice_id, day in source(creditor.pk, as_of).items():
            if invoice_id not in found or day > found[invoice_id]:
                found[invoice_id] = day
    return found


# --------------------------------------------------------------------------- policies


def save_policy(creditor: Creditor, policy: dd.Policy, *, is_default: bool = False) -> Policy:
    """Store a domain policy for a creditor (amounts in the creditor's currency)."""
    with transaction.atomic():
        row = Policy.objects.create(
            creditor=creditor,
            key=policy.key,
            name=policy.name,
            is_default=is_default,
            repeat_every_days=policy.repeat.every_days if policy.repeat else None,
            repeat_max=policy.repeat.max_times if policy.repeat else 0,
        )
        PolicyStep.objects.bulk_create(
            PolicyStep(
                policy=row,
                key=step.key,
                offset_days=step.offset_days,
                channels=",".join(step.channels),
                tone=step.tone,
                kind=step.kind,
                min_amount_minor=Money.of(step.min_amount, creditor.currency).minor,
                needs_approval=step.needs_approval,
                audience=step.audience,
                states_penalties=step.states_penalties,
                notice_period_days=step.notice_days,
            )
            for step in policy.steps
        )
    return row


def ensure_default_policy(creditor: Creditor) -> Policy:
    """The creditor's default policy, created from the French default when it has none."""
    found = Policy.objects.filter(creditor=creditor, is_default=True).first()
    if found is not None:
        return found
    try:
        return save_policy(creditor, dd.default_policy(), is_default=True)
    except IntegrityError:
        # Created meanwhile by a concurrent run: use that one.
        found = Policy.objects.filter(creditor=creditor, is_default=True).first()
        if found is None:
            raise
        return found


# --------------------------------------------------------------------------- result


class PlannedLine(NamedTuple):
    """An invoice in a planned action (a tuple: a run builds one per open invoice)."""

    invoice_id: int
    level_key: str
    level_offset: int | None
    repeat: int
    advances: bool
    open_minor: int


@dataclass(frozen=True, slots=True)
class PlannedAction:
    customer_id: int
    currency: str
    policy_id: int
    step: dd.Step
    repeat: int
    channel: dd.Channel
    status: str
    total_minor: int
    overdue_total_minor: int
    #: the message's invoices as the domain planned them, and the policy's steps they refer to
    rows: tuple[dd.RowLine, ...]
    steps: tuple[dd.Step, ...]
    #: the firmest tone among the step and the levels the listed invoices already reached
    tone: dd.Tone = dd.Tone.COURTEOUS
    states_penalties: bool = False

    @property
    def lines(self) -> tuple[PlannedLine, ...]:
        """Every invoice of the message (built on demand: a run plans a million)."""
        steps = self.steps
        return tuple(
            PlannedLine(
                invoice,
                steps[level].key if level is not None else "",
                steps[level].offset_days if level is not None else None,
                repeat or 0,
                repeat is not None,
                minor,
            )
            for invoice, level, repeat, minor, _overdue in self.rows
        )


@dataclass(frozen=True, slots=True)
class PlannedHoldback:
    customer_id: int
    currency: str
    invoice_id: int | None
    step_key: str
    reason: str


@dataclass
class RunResult:
    as_of: date
    dry_run: bool
    run: Run | None = None
    already_planned: bool = False
    actions: list[PlannedAction] = field(default_factory=list)
    holdbacks: list[PlannedHoldback] = field(default_factory=list)
    #: seconds spent deciding (reading included) and writing the plan ("decide", "write")
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        if self.run is not None and self.already_planned:
            rows = Action.objects.filter(run=self.run)
            by_step = Counter(rows.values_list("step_key", flat=True))
            by_channel = Counter(rows.values_list("channel", flat=True))
            messages = rows.values("customer_id", "currency").distinct().count()
            approval = rows.filter(status=ActionStatus.NEEDS_APPROVAL).count()
            customers = rows.values("customer_id").distinct().count()
            holdbacks = Holdback.objects.filter(run=self.run).count()
            actions = sum(by_channel.values())
        else:
            keys = {(a.customer_id, a.currency) for a in self.actions}
            by_step = Counter(a.step.key for a in self.actions)
            by_channel = Counter(str(a.channel) for a in self.actions)
            messages = len(keys)
            approval = sum(1 for a in self.actions if a.status == ActionStatus.NEEDS_APPROVAL)
            customers = len({k[0] for k in keys})
            holdbacks = len(self.holdbacks)
            actions = len(self.actions)
        return {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "already_planned": self.already_planned,
            "run": self.run.pk if self.run else None,
            "customers": customers,
            "messages": messages,
            "actions": actions,
            "needs_approval": approval,
            "holdbacks": holdbacks,
            "by_step": dict(sorted(by_step.items())),
            "by_channel": dict(sorted(by_channel.items())),
        }


# --------------------------------------------------------------------------- run


def plan_run(
    creditor: Creditor, as_of: date, *, dry_run: bool = False, user: object | None = None
) -> RunResult:
    """Plan the reminders of `creditor` for `as_of` (see the module docstring)."""
    if not dry_run:
        latest = Run.objects.filter(creditor=creditor).aggregate(m=Max("as_of"))["m"]
        if latest is not None and as_of < latest:
            raise BadInput(
                f"a run for {latest.isoformat()} exists: a run cannot be back-dated "
                f"to {as_of.isoformat()}"
            )
        existing = Run.objects.filter(creditor=creditor, as_of=as_of).first()
        if existing is not None:
            return RunResult(as_of, dry_run, existing, already_planned=True)
    ensure_default_policy(creditor)
    started = perf_counter()
    actions, holdbacks = _decide(creditor, as_of)
    result = RunResult(as_of, dry_run, actions=actions, holdbacks=holdbacks)
    result.seconds["decide"] = perf_counter() - started
    if dry_run:
        return result
    try:
        started = perf_counter()
        with transaction.atomic():
            result.run = _write(creditor, as_of, actions, holdbacks, user)
        result.seconds["write"] = perf_counter() - started
    except IntegrityError:
        # Another run for the same date committed first: its plan is the plan.
        existing = Run.objects.filter(creditor=creditor, as_of=as_of).first()
        if existing is None:
            raise
        return RunResult(as_of, dry_run, existing, already_planned=True)
    return result


def _decide(creditor: Creditor, as_of: date) -> tuple[list[PlannedAction], list[PlannedHoldback]]:
    policies = _policies(creditor)
    default_id = next((pk for pk, (row, _p) in policies.items() if row.is_default), None)
    by_customer: dict[int, int] = {}
    by_segment: dict[str, int] = {}
    for assigned, customer_id, segment in PolicyAssignment.objects.filter(
        creditor=creditor
    ).values_list("policy_id", "customer_id", "segment"):
        if customer_id is not None:
            by_customer[customer_id] = assigned
        else:
            by_segment[segment] = assigned
    paused = _pauses(creditor, as_of)
    paused_customers = paused.customers
    held_invoices = {**_in_flight(creditor, as_of), **paused.invoices}
    partial = paused.partial
    no_phone = _no_callable_number(creditor)
    lead = max(
        (-s.offset_days for _row, p in policies.values() for s in p.steps if s.offset_days < 0),
        default=0,
    )
    customers = {
        pk: (kind, segment, risk_segment or "")
        for pk, kind, segment, risk_segment in Customer.objects.filter(creditor=creditor)
        .order_by()
        .values_list("id", "kind", "segment", "risk_profile__segment")
    }
    contacts = recent_contacts(as_of, creditor_id=creditor.pk)
    firmer = _firmer_after(creditor, as_of)
    # policy id → latest send → (level, repeats) in that policy (a few distinct sends)
    levels: dict[int, dict[_Send, tuple[int | None, int]]] = {}
    get_send = _last_sends(creditor, as_of).get
    verdicts: dict[dd.Channel, Verdict] = {}  # for customers not contacted this week
    rules = replace(rules_for(creditor.pk), windows={})  # see PLAN_RULES

    actions: list[PlannedAction] = []
    holdbacks: list[PlannedHoldback] = []
    for customer_id, rows in _open_invoices(creditor, as_of, lead):
        kind, segment, risk_segment = customers[customer_id]
        # The computed risk segment (relance.risk) is the fallback of the customer's own label.
        policy_id = (
            by_customer.get(customer_id)
            or by_segment.get(segment)
            or by_segment.get(risk_segment)
            or default_id
        )
        if policy_id is None:
            holdbacks.append(PlannedHoldback(customer_id, "", None, "", "no dunning policy"))
            continue
        if customer_id in paused_customers:
            holdbacks.append(
                PlannedHoldback(customer_id, "", None, "", paused_customers[customer_id])
            )
            continue
        policy = policies[policy_id][1]
        policy_levels = levels.get(policy_id)
        if policy_levels is None:
            policy_levels = levels[policy_id] = {}
        items: list[dd.Row] = []
        floors: dict[int, int] | None = None
        for _owner, inv, currency, days, open_minor in rows:
            send = get_send(inv)
            last: int | None = None
            since = repeats = 0
            if send is not None:
                found = policy_levels.get(send)
                if found is None:
                    _since, key, offset, repeat = send
                    found = policy_levels[send] = _level(policy, key, offset, repeat)
                since = send[0]
                last, repeats = found
                if last is None:
                    since = 0
            held = held_invoices.get(inv, "") if held_invoices else ""
            if partial and not held and inv in partial:
                # Part of the invoice is held back (disputed): the rest is still reminded.
                kept, text = partial[inv]
                if kept >= open_minor:
                    held = text
                else:
                    open_minor -= kept
            items.append((inv, currency, days, open_minor, last, since, repeats, held))
            # Firmer until the first message sent on or after the break.
            if (
                firmer
                and inv in firmer
                and days > 0
                and (send is None or as_of - timedelta(days=send[0]) < firmer[inv])
            ):
                floor = dd.firmer_step(policy, last, kind)
                if floor is not None:
                    floors = floors or {}
                    floors[inv] = floor
        messages, held_items = dd.plan_rows(policy, items, kind, floors)
        history = contacts.get(customer_id)
        for message in messages:
            for planned in _actions(policy_id, policy, customer_id, message):
                if planned.channel == dd.Channel.CALL and customer_id in no_phone:
                    holdbacks.append(
                        PlannedHoldback(
                            customer_id,
                            planned.currency,
                            None,
                            planned.step.key,
                            f"{planned.channel}: {no_phone[customer_id]}",
                        )
                    )
                    continue
                if history:
                    verdict = _contact_rules_at_plan(planned, as_of, history, rules)
                else:
                    verdict = verdicts.get(planned.channel)  # type: ignore[assignment]
                    if verdict is None:
                        verdict = verdicts[planned.channel] = _contact_rules_at_plan(
                            planned, as_of, [], rules
                        )
                if verdict.allowed:
                    actions.append(planned)
                else:
                    holdbacks.append(
                        PlannedHoldback(
                            customer_id,
                            planned.currency,
                            None,
                            planned.step.key,
                            f"{planned.channel}: {verdict.reason}",
                        )
                    )
        for h in held_items:
            holdbacks.append(
                PlannedHoldback(
                    customer_id,
                    h.currency,
                    h.invoice_id,
                    policy.steps[h.step].key if h.step is not None else "",
                    h.reason,
                )
            )
    return actions, holdbacks


#: (days since the send, step key, step offset, repeat) of an invoice's latest effective send
_Send = tuple[int, str, int, int]
#: (customer id, invoice id, currency, days past the due date, open minor)
_Open = tuple[int, int, str, int, int]


def _days_before(as_of_param: str, column: str) -> str:
    """SQL for the whole days from the date `column` to the as-of date (NULL stays NULL)."""
    if connection.vendor == "postgresql":
        return f"({as_of_param}::date - {column})"
    if connection.vendor == "sqlite":
        return f"CAST(julianday({as_of_param}) - julianday({column}) AS INTEGER)"
    raise NotImplementedError(
        f"the dunning run supports SQLite and PostgreSQL, not {connection.vendor}"
    )


def _open_invoices(creditor: Creditor, as_of: date, lead: int) -> Iterator[tuple[int, list[_Open]]]:
    """(customer id, its open invoices), customer after customer: the rows as the database
    gives them (customer id, invoice id, currency, days past due, open minor units).

    One query, ordered by customer and streamed (a server-side cursor on PostgreSQL). Dates
    come back as day counts from `as_of`, so that no date object is built per row. The
    latest send of each invoice is read apart (`_last_sends`, a dict): joining it to each
    invoice in SQL costs an index lookup per invoice, several times the sequential read of
    the creditor's sent items on SQLite.
    """
    invoice = Invoice._meta.db_table
    sql = (
        f"SELECT v.customer_id, v.id, v.currency, {_days_before('%s', 'v.due_date')},"  # noqa: S608
        f" v.open_minor FROM {invoice} v"
        " WHERE v.creditor_id = %s AND v.status = %s AND v.open_minor > 0"
        " AND v.due_date <= %s AND v.issue_date <= %s"
        " ORDER BY v.customer_id, v.id"
    )
    day = as_of.isoformat()
    params: list[Any] = [
        day,
        creditor.pk,
        InvoiceStatus.ISSUED.value,
        (as_of + timedelta(days=lead)).isoformat(),
        day,
    ]
    owner: int | None = None
    found: list[_Open] = []
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(BULK):
            for row in chunk:
                if row[0] != owner:
                    if owner is not None:
                        yield owner, found
                    owner, found = row[0], []
                found.append(row)
    if owner is not None:
        yield owner, found


def _last_sends(creditor: Creditor, as_of: date) -> dict[int, _Send]:
    """invoice id → its latest effective send, read from the items that advanced in sent
    messages (an item listed at its level did not move)."""
    item, action = ActionItem._meta.db_table, Action._meta.db_table
    sql = (
        f"SELECT i.invoice_id, {_days_before('%s', 'a.sent_on')}, i.level_key,"  # noqa: S608
        f" i.level_offset, i.repeat FROM {action} a JOIN {item} i ON i.action_id = a.id"
        " WHERE a.creditor_id = %s AND a.status = %s AND i.advances = %s"
    )
    latest: dict[int, _Send] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [as_of.isoformat(), creditor.pk, ActionStatus.SENT.value, True])
        while rows := cursor.fetchmany(BULK):
            for invoice_id, since, key, offset, repeat in rows:
                if since is None or offset is None:  # excluded by constraints
                    continue
                old = latest.get(invoice_id)
                # the latest send; on one day, the furthest step (then repetition)
                if old is None or (-since, offset, repeat) > (-old[0], old[2], old[3]):
                    latest[invoice_id] = (since, key, offset, repeat)
    return latest


def _policies(creditor: Creditor) -> dict[int, tuple[Policy, dd.Policy]]:
    found: dict[int, tuple[Policy, dd.Policy]] = {}
    for row in Policy.objects.filter(creditor=creditor).prefetch_related("steps"):
        try:
            found[row.pk] = (row, row.to_domain(creditor.currency))
        except dd.PolicyError as exc:
            raise BadInput(f"dunning policy '{row.key}' cannot be used: {exc}") from exc
    return found


@dataclass(frozen=True, slots=True)
class Paused:
    """The pauses holding on a day: customers and whole invoices (with the reason shown in
    the holdbacks), and the invoices held back in part (invoice id → (minor units held back,
    reason)), e.g. an invoice disputed in part (relance.negotiation.disputes)."""

    customers: dict[int, str]
    invoices: dict[int, str]
    partial: dict[int, tuple[int, str]]


def _pause_text(reason: str, until: date | None) -> str:
    return f"paused: {reason}" + (f" (until {until.isoformat()})" if until else "")


def _pauses(creditor: Creditor, as_of: date) -> Paused:
    customers: dict[int, str] = {}
    invoices: dict[int, str] = {}
    partial: dict[int, tuple[int, str]] = {}
    active = Pause.objects.filter(creditor=creditor).filter(
        Q(until__isnull=True) | Q(until__gte=as_of)
    )
    for customer_id, invoice_id, reason, until, minor in active.values_list(
        "customer_id", "invoice_id", "reason", "until", "amount_minor"
    ):
        if customer_id is not None:
            customers[customer_id] = _pause_text(reason, until)
        elif invoice_id is not None and minor is None:
            invoices[invoice_id] = _pause_text(reason, until)
        elif invoice_id is not None:
            held, text = partial.get(invoice_id, (0, ""))
            partial[invoice_id] = (held + minor, text or _pause_text(reason, until))
    return Paused(customers, invoices, partial)


def partial_pauses(invoice_ids: Iterable[int], day: date) -> dict[int, int]:
    """invoice id → the minor units its pauses holding on `day` hold back in part (one query;
    invoices paused whole are not listed)."""
    found: dict[int, int] = defaultdict(int)
    rows = (
        Pause.objects.filter(invoice_id__in=list(invoice_ids), amount_minor__isnull=False)
        .filter(Q(until__isnull=True) | Q(until__gte=day))
        .values_list("invoice_id", "amount_minor")
    )
    for invoice_id, minor in rows:
        found[invoice_id] += minor or 0
    return dict(found)


#: At plan time the contact rules apply without courtesy hours (the send time is not known
#: yet); the worker applies them all again just before sending.
PLAN_RULES = replace(ContactRules(), windows={})


def recent_contacts(as_of: date, **scope: object) -> dict[int, list[Contact]]:
    """customer id → contacts sent to them in the week up to `as_of` (two queries).

    `scope` narrows what is read: `creditor_id=…` for a run, `customer_id__in=[…]` for a
    batch of sends. Besides the messages sent, the outbound calls people logged
    (relance.negotiation.calls) count as calls on their day; a call task they carried out
    counts once, on the day of the call.
    """
    found: dict[int, list[Contact]] = defaultdict(list)
    carried_out: set[int] = set()
    for customer_id, on, pk, action_id in CallLog.objects.filter(
        kind=CallKind.CALL,
        direction=CallDirection.OUTBOUND,
        on__gt=as_of - timedelta(days=WEEK),
        on__lte=as_of,
        **scope,
    ).values_list("customer_id", "on", "pk", "action_id"):
        found[customer_id].append(Contact(on, dd.Channel.CALL, f"call:{pk}"))
        if action_id is not None:
            carried_out.add(action_id)
    for pk, customer_id, sent_on, channel, day in (
        Action.objects.filter(
            status=ActionStatus.SENT,
            sent_on__gt=as_of - timedelta(days=WEEK),
            sent_on__lte=as_of,
            channel__in=list(dd.DEBTOR_CHANNELS),
            **scope,
        )
        .exclude(kind__in=DOCUMENT_KINDS)
        .values_list("pk", "customer_id", "sent_on", "channel", "as_of")
    ):
        if sent_on is not None and pk not in carried_out:
            found[customer_id].append(Contact(sent_on, channel, day.isoformat()))
    return found


def _contact_rules_at_plan(
    planned: PlannedAction, as_of: date, history: list[Contact], rules: ContactRules = PLAN_RULES
) -> Verdict:
    noon = datetime.combine(as_of, time(12, 0))
    return check(rules, planned.channel, as_of.isoformat(), noon, history)


def _in_flight(creditor: Creditor, as_of: date) -> dict[int, str]:
    """Invoices in an earlier action still awaiting approval or being sent: not planned again."""
    rows = ActionItem.objects.filter(
        action__creditor=creditor,
        action__as_of__lt=as_of,
        action__status__in=(ActionStatus.NEEDS_APPROVAL, ActionStatus.SENDING),
    ).values_list("invoice_id", "action__status", "action__as_of")
    return {
        invoice_id: (
            f"awaiting approval (run of {day.isoformat()})"
            if status == ActionStatus.NEEDS_APPROVAL
            else f"being sent (run of {day.isoformat()})"
        )
        for invoice_id, status, day in rows
    }


def _no_callable_number(creditor: Creditor) -> dict[int, str]:
    """Customers with a phone number flagged wrong and no other number to call → why.

    Two small queries: the flagged contacts (few), then the numbers of their customers."""
    flagged = set(
        ContactRow.objects.filter(
            customer__creditor=creditor, phone_wrong_since__isnull=False
        ).values_list("customer_id", flat=True)
    )
    if not flagged:
        return {}
    found: dict[int, str] = {}
    usable: set[int] = set()
    for customer_id, phone, mobile, opted_out, wrong_since in ContactRow.objects.filter(
        customer_id__in=flagged
    ).values_list("customer_id", "phone", "mobile", "opt_out_phone", "phone_wrong_since"):
        if (phone or mobile) and not opted_out and wrong_since is None:
            usable.add(customer_id)
    for customer_id in flagged - usable:
        found[customer_id] = "the phone number is flagged wrong and no other number is known"
    return found


def _level(policy: dd.Policy, key: str, offset: int, repeat: int) -> tuple[int | None, int]:
    """The level of an invoice last sent at step `key` (offset, repetition) in terms of the
    customer's current policy: (step index or None, repeats of the last step).

    A step is found by its key; if the policy was edited and the key is gone, by the last
    step at or before the offset that was sent.
    """
    index: int | None
    try:
        index = policy.index(key)
    except dd.PolicyError:
        earlier = [i for i, s in enumerate(policy.steps) if s.offset_days <= offset]
        index = earlier[-1] if earlier else None
    if index is None:
        return None, 0
    return index, (repeat if index == len(policy.steps) - 1 else 0)


def history_of(policy: dd.Policy, send: tuple[date, str, int, int] | None) -> dd.History:
    """The history of one item (its latest effective send: date, step key, offset,
    repetition) in terms of the customer's current policy (see `_level`)."""
    if send is None:
        return dd.History()
    sent_on, key, offset, repeat = send
    index, repeats = _level(policy, key, offset, repeat)
    return dd.History() if index is None else dd.History(index, sent_on, repeats)


TONE_ORDER = {dd.Tone.COURTEOUS: 0, dd.Tone.FIRM: 1, dd.Tone.FORMAL: 2}


def _actions(
    policy_id: int, policy: dd.Policy, customer_id: int, message: dd.RowMessage
) -> Iterable[PlannedAction]:
    steps = policy.steps
    step = steps[message.step]
    status = ActionStatus.NEEDS_APPROVAL if step.needs_approval else ActionStatus.PLANNED
    # A courteous step never speaks softly about invoices already at a firmer level.
    reached = {line[1] for line in message.lines if line[1] is not None}
    tone = max((step.tone, *(steps[i].tone for i in reached)), key=TONE_ORDER.__getitem__)
    penalties = step.states_penalties or any(steps[i].states_penalties for i in reached)
    for channel in step.channels:
        yield PlannedAction(
            customer_id=customer_id,
            currency=message.currency,
            policy_id=policy_id,
            step=step,
            repeat=message.repeat,
            channel=channel,
            status=status,
            total_minor=message.total_minor,
            overdue_total_minor=message.overdue_total_minor,
            rows=message.lines,
            steps=steps,
            tone=tone,
            states_penalties=penalties,
        )


def _key(creditor_id: int, as_of: date, a: PlannedAction) -> str:
    return f"run:{creditor_id}:{as_of.isoformat()}:{a.customer_id}:{a.currency}:{a.channel}"


_ACTION_COLUMNS = (
    "run_id",
    "creditor_id",
    "customer_id",
    "currency",
    "as_of",
    "policy_id",
    "step_key",
    "step_offset",
    "repeat",
    "channel",
    "tone",
    "kind",
    "states_penalties",
    "status",
    "total_minor",
    "overdue_total_minor",
    "idempotency_key",
    "listed",
)


_ITEM_COLUMNS = (
    "action_id",
    "invoice_id",
    "level_key",
    "level_offset",
    "repeat",
    "advances",
    "open_minor",
)


def _listed(a: PlannedAction, keys: dict[int | None, str]) -> str:
    """`Action.listed` as JSON: the invoices the message lists without moving them.

    `keys`: step index → its key already in JSON (`_json_keys`). Written by hand, not by
    json.dumps: ids and amounts are integers, and this runs for every message of a run."""
    return (
        "["
        + ",".join(
            f"[{invoice},{keys[level]},{minor}]"
            for invoice, level, repeat, minor, _overdue in a.rows
            if repeat is None
        )
        + "]"
    )


def _json_keys(steps: tuple[dd.Step, ...]) -> dict[int | None, str]:
    keys: dict[int | None, str] = {i: json.dumps(step.key) for i, step in enumerate(steps)}
    keys[None] = '""'
    return keys


def _write(
    creditor: Creditor,
    as_of: date,
    actions: list[PlannedAction],
    holdbacks: list[PlannedHoldback],
    user: object | None,
) -> Run:
    """Write the plan with plain bulk INSERTs (hundreds of thousands of rows at 1M invoices)."""
    # Unsent plans of earlier days give way to this one (it plans their items afresh).
    # Documents (invoices, statements) are not reminders: the run does not replace them.
    Action.objects.filter(creditor=creditor, status=ActionStatus.PLANNED, as_of__lt=as_of).exclude(
        kind__in=DOCUMENT_KINDS
    ).update(status=ActionStatus.CANCELLED, reason=f"superseded by the run of {as_of.isoformat()}")
    run = Run.objects.create(
        creditor=creditor,
        as_of=as_of,
        created_by=user if getattr(user, "is_authenticated", False) else None,  # type: ignore[misc]
        messages=len({(a.customer_id, a.currency) for a in actions}),
        actions=len(actions),
        holdbacks=len(holdbacks),
    )
    keys = [_key(creditor.pk, as_of, a) for a in actions]
    day = connection.ops.adapt_datefield_value(as_of)
    json_keys: dict[int, dict[int | None, str]] = {}  # policy id → its steps' keys in JSON
    for a in actions:
        if a.policy_id not in json_keys:
            json_keys[a.policy_id] = _json_keys(a.steps)
    insert_tuples(
        Action,
        _ACTION_COLUMNS,
        (
            (
                run.pk,
                creditor.pk,
                a.customer_id,
                a.currency,
                day,
                a.policy_id,
                a.step.key,
                a.step.offset_days,
                a.repeat,
                str(a.channel),
                str(a.tone),
                str(a.step.kind),
                a.states_penalties,
                str(a.status),
                a.total_minor,
                a.overdue_total_minor,
                key,
                _listed(a, json_keys[a.policy_id]),
            )
            for a, key in zip(actions, keys, strict=True)
        ),
    )
    ids = dict(Action.objects.filter(run=run).values_list("idempotency_key", "id"))
    insert_tuples(
        ActionItem,
        _ITEM_COLUMNS,
        (
            (
                ids[key],
                invoice,
                planned.steps[level].key,
                planned.steps[level].offset_days,
                repeat,
                True,
                minor,
            )
            for planned, key in zip(actions, keys, strict=True)
            for invoice, level, repeat, minor, _overdue in planned.rows
            if repeat is not None and level is not None
        ),
    )
    bulk_insert(
        Holdback,
        (
            {
                "run_id": run.pk,
                "customer_id": h.customer_id,
                "currency": h.currency,
                "invoice_id": h.invoice_id,
                "step_key": h.step_key,
                "reason": h.reason,
            }
            for h in holdbacks
        ),
    )
    return run


# --------------------------------------------------------------------------- review queue


class Decision(StrEnum):
    APPROVE = "approve"
    SKIP = "skip"


def decide(
    creditor_id: int,
    action_ids: Iterable[int],
    decision: Decision,
    *,
    reason: str = "",
    user: object | None = None,
) -> int:
    """Approve or skip actions waiting for approval; returns how many changed.

    Skipping needs a reason. Actions no longer waiting (already decided, sent) are left
    as they are, so two people deciding at once cannot undo each other.
    """
    reason = reason.strip()
    if decision == Decision.SKIP and not reason:
        raise BadInput("a reason is required to skip a reminder")
    status = ActionStatus.PLANNED if decision == Decision.APPROVE else ActionStatus.SKIPPED
    with transaction.atomic():
        waiting = Action.objects.select_for_update().filter(
            creditor_id=creditor_id,
            pk__in=list(action_ids),
            status=ActionStatus.NEEDS_APPROVAL,
        )
        return waiting.update(
            status=status,
            reason=reason[:200],
            decided_by=user if getattr(user, "is_authenticated", False) else None,
            decided_at=timezone.now(),
        )
