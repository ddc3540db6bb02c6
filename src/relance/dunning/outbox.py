"""Dispatch: the transactional outbox of planned actions, sent exactly once.

An action is committed (by the run, or a manual send) before anything is sent. The
worker then, for one action at a time:

1. claims it in a transaction: `planned` (and due for an attempt) becomes `sending`,
   or a `sending` action whose claim is older than the lease (its worker died) is taken
   over; in the same transaction it re-checks the action — invoices paid or credited
   since the plan, paused, cancelled — and cancels it with the reason if nothing is
   left to ask for; it applies the contact rules (relance.domain.contact_rules) and
   postpones the action, with the reason, when it may not go out yet; it issues the
   penalty invoice or formal notice of a legal step (relance.dunning.legal_steps: once per
   message, whatever the retries), renders the message (with the debtor's portal link, the
   same on every attempt) and records the attempt as `started`;
2. sends it through the channel's backend with the action's idempotency key;
3. records the outcome in a second transaction: `sent` (with the archived copy),
   a transient failure (back to `planned`, next attempt after a growing delay, `failed`
   after MAX_ATTEMPTS) or a permanent failure (`failed`, never retried).

A crash between 2 and 3 leaves the action `sending`; after the lease another worker sends it
again with the same idempotency key (the capture backend stores one message per key, an
email keeps its Message-ID), so the debtor receives it once.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from relance.channels.archive import archive
from relance.channels.base import Backend, ChannelError, Outbound, PermanentError
from relance.channels.identity import finish_email, identity_of
from relance.channels.registered import record_submission
from relance.channels.registry import backend_for
from relance.channels.rules import rules_for
from relance.domain.contact_rules import ALLOW, Verdict, check
from relance.dunning.legal_steps import document_for, lock_customers
from relance.dunning.messages import Unsendable, carries_legal_document, render
from relance.dunning.models import (
    COPY_KEY,
    DOCUMENT_KINDS,
    NEGOTIATION_KINDS,
    Action,
    ActionStatus,
    Attempt,
    AttemptOutcome,
    Pause,
)
from relance.dunning.services import recent_contacts
from relance.ledger.models import Invoice, InvoiceStatus
from relance.portal.links import url_for_action


def lease() -> timedelta:
    """How long a claim holds before another worker may take the action over."""
    return timedelta(seconds=settings.RELANCE_OUTBOX_LEASE_SECONDS)


MAX_ATTEMPTS = 6
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))


@dataclass(frozen=True, slots=True)
class Outcome:
    action_id: int
    status: str  # sent, retry, failed, cancelled
    detail: str = ""


def backoff(attempts: int) -> timedelta:
    return BACKOFF[min(attempts, len(BACKOFF)) - 1] if attempts > 0 else timedelta(0)


def claimable(now: datetime) -> Q:
    """The actions a worker may claim at `now`: planned and due, or claimed by a worker
    whose lease ran out (it died mid-send). The worker's scheduler asks it too."""
    due = Q(status=ActionStatus.PLANNED) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    stale = Q(status=ActionStatus.SENDING, claimed_at__lt=now - lease())
    return due | stale


def _rechecks(actions: list[Action], today: date) -> tuple[dict[int, str], dict[int, int]]:
    """Why each action must not be sent any more ("" if it still should), and the part of
    each invoice held back by a partial pause (a dispute over part of it): two queries for the
    batch (the invoices still open, the active pauses of its customers and invoices).

    An invoice paused in part is still reminded for the rest; it counts as paused once
    nothing but the held-back part is open. When the part still remindable is now smaller
    than the amount the message claims (a dispute opened, or a payment received, since the
    plan), the message would claim what is disputed: it is cancelled, and the next run
    plans the right amounts."""
    lines = {a.pk: a.lines() for a in actions}
    every = {line.invoice_id for found in lines.values() for line in found}
    still_open = dict(
        Invoice.objects.filter(
            pk__in=every, status=InvoiceStatus.ISSUED, open_minor__gt=0
        ).values_list("pk", "open_minor")
    )
    paused_customers: set[int] = set()
    paused_invoices: set[int] = set()
    partial: dict[int, int] = {}
    pauses = Pause.objects.filter(Q(until__isnull=True) | Q(until__gte=today)).filter(
        Q(customer_id__in={a.customer_id for a in actions}) | Q(invoice_id__in=every)
    )
    for customer_id, invoice_id, minor in pauses.values_list(
        "customer_id", "invoice_id", "amount_minor"
    ):
        if customer_id is not None:
            paused_customers.add(customer_id)
        elif minor is None:
            paused_invoices.add(invoice_id)
        else:
            partial[invoice_id] = partial.get(invoice_id, 0) + minor
    for invoice_id, held in partial.items():
        if held >= still_open.get(invoice_id, 0):
            paused_invoices.add(invoice_id)
    reasons: dict[int, str] = {}
    for action in actions:
        open_ids = {line.invoice_id for line in lines[action.pk]} & set(still_open)
        copy = action.idempotency_key.startswith(COPY_KEY)
        over = [
            line.invoice_id
            for line in lines[action.pk]
            if line.invoice_id in partial
            and line.invoice_id in open_ids
            and line.open_minor > still_open[line.invoice_id] - partial[line.invoice_id]
        ]
        if not open_ids:
            reasons[action.pk] = "paid or credited since it was planned"
        elif copy:
            reasons[action.pk] = ""
        elif action.customer_id in paused_customers:
            reasons[action.pk] = "customer paused since it was planned"
        elif open_ids <= paused_invoices and action.kind not in NEGOTIATION_KINDS:
            # A promise's or plan's own messages go out while it pauses its invoices.
            reasons[action.pk] = "every invoice paused or paid since it was planned"
        elif over and action.kind not in DOCUMENT_KINDS:
            reasons[action.pk] = (
                "part of an invoice is disputed and the message would claim it "
                "(planned before the dispute or a payment): the next run plans it afresh"
            )
        else:
            reasons[action.pk] = ""
    return reasons, partial


def _contact_verdicts(actions: list[Action], now: datetime) -> dict[int, Verdict]:
    """The contact rules for each action, from what its customer received this past week
    (one query for the batch; a batch holds one action per customer, see `_claim`)."""
    local = timezone.localtime(now)
    history = recent_contacts(
        local.date(), customer_id__in=sorted({a.customer_id for a in actions})
    )
    rules = {c: rules_for(c) for c in {a.creditor_id for a in actions}}
    return {
        a.pk: check(
            rules[a.creditor_id],
            a.channel,
            a.as_of.isoformat(),
            local,
            history.get(a.customer_id, []),
        )
        for a in actions
    }


def _cancel(action: Action, number: int, now: datetime, reason: str) -> Outcome:
    """Cancel a claimed action with its reason, recorded as a cancelled attempt."""
    action.status = ActionStatus.CANCELLED
    action.reason = reason
    action.save(update_fields=["status", "reason"])
    Attempt.objects.create(
        action=action,
        number=number,
        started_at=now,
        finished_at=now,
        outcome=AttemptOutcome.CANCELLED,
        error=reason,
    )
    return Outcome(action.pk, "cancelled", reason)


#: Actions claimed, re-checked and rendered together (one action per customer per batch).
BATCH = 50


@dataclass(frozen=True, slots=True)
class _Claimed:
    action: Action
    number: int
    message: Outbound


def _claim(now: datetime, today: date, size: int) -> tuple[list[_Claimed], list[Outcome]]:
    """Claim up to `size` due actions in one transaction, re-check them, apply the contact
    rules and render them; returns the messages to send (their attempts recorded as
    `started`) and the outcomes of the actions cancelled or postponed on the way.

    A batch takes one action per customer: the contact rules of a customer's next action
    must see the previous one sent, so it waits for the next batch.
    """
    with transaction.atomic():
        candidates = (
            Action.objects.filter(claimable(now))
            .order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", "customer_id")[: size * 4]
        )
        ids: list[int] = []
        customers: set[int] = set()
        for pk, customer_id in candidates:
            if customer_id not in customers and len(ids) < size:
                customers.add(customer_id)
                ids.append(pk)
        if not ids:
            return [], []
        Action.objects.filter(pk__in=ids).filter(claimable(now)).update(
            status=ActionStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        # Those still claimable at the update are ours (the others were taken meanwhile).
        actions = list(
            Action.objects.select_related("customer", "creditor", "customer__assigned_collector")
            .prefetch_related("items", "customer__contacts")
            .filter(pk__in=ids, status=ActionStatus.SENDING, claimed_at=now)
            .order_by("next_attempt_at", "pk")
        )
        outcomes = [
            Outcome(pk, "skipped", "claimed elsewhere")
            for pk in sorted(set(ids) - {a.pk for a in actions})
        ]
        retried = [a.pk for a in actions if a.attempts > 1]
        if retried:
            # A previous attempt that never finished (the worker died) stays on record.
            Attempt.objects.filter(action_id__in=retried, outcome=AttemptOutcome.STARTED).update(
                finished_at=now, error="the worker stopped during this attempt"
            )
        reasons, partial = _rechecks(actions, today)
        verdicts = _contact_verdicts(actions, now)
        invoices = Invoice.objects.in_bulk({line.invoice_id for a in actions for line in a.lines()})
        identities = {c: identity_of(c) for c in {a.creditor_id for a in actions}}
        # Penalty invoices and formal notices are issued below: their customers first, in
        # id order (relance.dunning.legal_steps).
        lock_customers(a for a in actions if not reasons[a.pk])
        claimed: list[_Claimed] = []
        for action in actions:
            number = action.attempts
            if reasons[action.pk]:
                outcomes.append(_cancel(action, number, now, reasons[action.pk]))
                continue
            # Invoices and statements are documents, not collection contacts: no contact rules.
            # A promise's or plan's own reminders keep the courtesy hours only (the debtor
            # agreed to them: no weekly cap or cooldown may push them past their date).
            if action.kind in NEGOTIATION_KINDS:
                verdict = check(
                    rules_for(action.creditor_id),
                    action.channel,
                    action.as_of.isoformat(),
                    timezone.localtime(now),
                    [],
                )
            else:
                verdict = ALLOW if action.kind in DOCUMENT_KINDS else verdicts[action.pk]
            if not verdict.allowed:
                reason = f"postponed: {verdict.reason}"
                Action.objects.filter(pk=action.pk).update(
                    status=ActionStatus.PLANNED,
                    attempts=number - 1,
                    claimed_at=None,
                    next_attempt_at=verdict.not_before,
                    reason=reason[:200],
                )
                outcomes.append(Outcome(action.pk, "postponed", reason))
                continue
            try:
                if carries_legal_document(action):
                    # A savepoint: a message that cannot go leaves no document behind.
                    with transaction.atomic():
                        document = document_for(action, today)
                        message = finish_email(
                            action,
                            render(
                                action,
                                today,
                                invoices=invoices,
                                document=document,
                                disputed=partial,
                                portal_url=url_for_action(action),
                            ),
                            identity=identities[action.creditor_id],
                            invoices=invoices,
                        )
                else:
                    message = finish_email(
                        action,
                        render(
                            action,
                            today,
                            invoices=invoices,
                            disputed=partial,
                            portal_url=url_for_action(action),
                        ),
                        identity=identities[action.creditor_id],
                        invoices=invoices,
                    )
            except Unsendable as exc:
                outcomes.append(_cancel(action, number, now, str(exc)))
                continue
            claimed.append(_Claimed(action, number, message))
        Attempt.objects.bulk_create(
            Attempt(
                action=c.action,
                number=c.number,
                started_at=now,
                outcome=AttemptOutcome.STARTED,
            )
            for c in claimed
        )
        return claimed, outcomes


def _send(
    claimed: _Claimed,
    now: datetime,
    today: date,
    backends: dict[str, Backend] | None,
    before_send: Callable[[Action], None] | None,
) -> Outcome:
    """Send one claimed message and record its outcome (one transaction)."""
    action, message = claimed.action, claimed.message
    if before_send is not None:
        before_send(action)
    if backends is None:
        backend = backend_for(action.channel)
    elif action.channel in backends:
        backend = backends[action.channel]
    else:
        backend = backends[action.channel] = backend_for(action.channel)
    attempt = Attempt.objects.filter(action_id=action.pk, number=claimed.number)
    try:
        sent = backend.send(message)
    except ChannelError as exc:
        return _failed(action, attempt, backend.name, exc, now)
    with transaction.atomic():
        finished = timezone.now()
        attempt.update(
            finished_at=finished,
            outcome=AttemptOutcome.SENT,
            backend=sent.backend,
            provider_id=sent.provider_id,
        )
        Action.objects.filter(pk=action.pk).update(status=ActionStatus.SENT, sent_on=today)
        # One copy per idempotency key, with every attachment: a copy already there (never
        # the case while the action is not `sent`) is kept as it is.
        registered = message.channel == "registered_letter"
        archived = archive(
            message,
            sent,
            creditor_id=action.creditor_id,
            customer_id=action.customer_id,
            action_id=action.pk,
            sent_at=finished,
            need_copy=registered,
        )
        if registered and archived is not None:  # its tracking row needs the copy's id
            record_submission(archived, sent)
    return Outcome(action.pk, "sent", sent.provider_id)


def dispatch_one(
    now: datetime | None = None,
    *,
    before_send: Callable[[Action], None] | None = None,
    backends: dict[str, Backend] | None = None,
) -> Outcome | None:
    """Claim, re-check, send and record one action; None when nothing is due."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    claimed, outcomes = _claim(now, today, 1)
    if outcomes:
        return outcomes[0]
    if not claimed:
        return None
    return _send(claimed[0], now, today, backends, before_send)


def _failed(
    action: Action, attempt: QuerySet[Attempt], backend: str, exc: ChannelError, now: datetime
) -> Outcome:
    permanent = isinstance(exc, PermanentError) or action.attempts >= MAX_ATTEMPTS
    with transaction.atomic():
        attempt.update(
            finished_at=timezone.now(),
            outcome=AttemptOutcome.TRANSIENT if exc.transient else AttemptOutcome.PERMANENT,
            backend=backend,
            error=str(exc)[:2000],
        )
        if permanent:
            Action.objects.filter(pk=action.pk).update(
                status=ActionStatus.FAILED, reason=str(exc)[:200]
            )
            return Outcome(action.pk, "failed", str(exc))
        Action.objects.filter(pk=action.pk).update(
            status=ActionStatus.PLANNED,
            next_attempt_at=now + backoff(action.attempts),
            claimed_at=None,
        )
    return Outcome(action.pk, "retry", str(exc))


def dispatch(limit: int | None = None, now: datetime | None = None) -> Counter[str]:
    """Send what is due, a batch at a time, until nothing is due (or `limit` is reached)."""
    counts: Counter[str] = Counter()
    done = 0
    seen: set[int] = set()
    backends: dict[str, Backend] = {}  # kept for the pass: one SMTP connection, not one per email
    try:
        while limit is None or done < limit:
            at = now or timezone.now()
            today = timezone.localdate(at)
            size = BATCH if limit is None else min(BATCH, limit - done)
            claimed, outcomes = _claim(at, today, size)
            if not claimed and not outcomes:
                break
            started = time.monotonic()
            for item in claimed:
                if time.monotonic() - started > lease().total_seconds() / 2:
                    # Sending is slower than the claims last: the rest of the batch is left
                    # `sending`, taken over after the lease (never sent under an expired claim).
                    break
                outcomes.append(_send(item, at, today, backends, None))
            stop = False
            for outcome in outcomes:
                if outcome.status == "retry" and outcome.action_id in seen:
                    stop = True  # everything left is waiting for its next attempt
                    continue
                seen.add(outcome.action_id)
                counts[outcome.status] += 1
                done += 1
            if stop:
                break
    finally:
        for backend in backends.values():
            backend.close()
    return counts
