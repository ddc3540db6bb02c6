"""Dispatch: the transactional outbox of planned actions, sent exactly once.

An action is committed (by the run, or a manual send) before anything is sent. The
worker then, for one action at a time:

1. claims it in a transaction: `planned` (and due for an attempt) becomes `sending`,
   or a `sending` action whose claim is older than the lease (its worker died) is taken
   over; in the same transaction it re-checks the action — invoices paid or credited
   since the plan, paused, cancelled — and cancels it with the reason if nothing is
   left to ask for; it applies the contact rules (relance.domain.contact_rules) and
   postpones the action, with the reason, when it may not go out yet; it renders the
   message and records the attempt as `started`;
2. sends it through the channel's backend with the action's idempotency key;
3. records the outcome in a second transaction: `sent` (with the archived copy),
   a transient failure (back to `planned`, next attempt after a growing delay, `failed`
   after MAX_ATTEMPTS) or a permanent failure (`failed`, never retried).

A crash between 2 and 3 leaves the action `sending`; after the lease another worker sends it
again with the same idempotency key (the capture backend stores one message per key, an
email keeps its Message-ID), so the debtor receives it once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from relance.channels.base import Backend, ChannelError, Outbound, PermanentError
from relance.channels.identity import finish_email
from relance.channels.models import Correspondence, content_hash
from relance.channels.registered import record_submission
from relance.channels.registry import backend_for
from relance.channels.rules import rules_for
from relance.domain.contact_rules import ALLOW, Verdict, check
from relance.dunning.messages import Unsendable, render
from relance.dunning.models import (
    DOCUMENT_KINDS,
    Action,
    ActionStatus,
    Attempt,
    AttemptOutcome,
    Pause,
)
from relance.dunning.services import recent_contacts
from relance.ledger.models import Invoice, InvoiceStatus


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


def _claimable(now: datetime) -> Q:
    due = Q(status=ActionStatus.PLANNED) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    stale = Q(status=ActionStatus.SENDING, claimed_at__lt=now - lease())
    return due | stale


def _recheck(action: Action, today: date) -> str:
    """Why the action must not be sent any more ("" if it still should)."""
    invoice_ids = [line.invoice_id for line in action.lines()]
    still_open = set(
        Invoice.objects.filter(
            pk__in=invoice_ids, status=InvoiceStatus.ISSUED, open_minor__gt=0
        ).values_list("pk", flat=True)
    )
    if not still_open:
        return "paid or credited since it was planned"
    pauses = Pause.objects.filter(Q(until__isnull=True) | Q(until__gte=today)).filter(
        Q(customer_id=action.customer_id) | Q(invoice_id__in=invoice_ids)
    )
    paused: set[int] = set()
    for customer_id, invoice_id in pauses.values_list("customer_id", "invoice_id"):
        if customer_id is not None:
            return "customer paused since it was planned"
        paused.add(invoice_id)
    if still_open <= paused:
        return "every invoice paused or paid since it was planned"
    return ""


def _contact_verdict(action: Action, now: datetime) -> Verdict:
    """The contact rules for this action, from what the customer received this past week."""
    local = timezone.localtime(now)
    history = recent_contacts(local.date(), customer_id=action.customer_id)
    return check(
        rules_for(action.creditor_id),
        action.channel,
        action.as_of.isoformat(),
        local,
        history[action.customer_id],
    )


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


def _claim(now: datetime, today: date) -> tuple[Action, Attempt, Outbound] | Outcome | None:
    with transaction.atomic():
        query = Action.objects.filter(_claimable(now)).order_by("next_attempt_at", "pk")
        candidate = query.select_for_update(skip_locked=True).first()
        if candidate is None:
            return None
        claimed = (
            Action.objects.filter(pk=candidate.pk)
            .filter(_claimable(now))
            .update(status=ActionStatus.SENDING, claimed_at=now, attempts=candidate.attempts + 1)
        )
        if not claimed:  # taken by another worker between the read and the update
            return Outcome(candidate.pk, "skipped", "claimed elsewhere")
        action = (
            Action.objects.select_related("customer", "creditor", "customer__assigned_collector")
            .prefetch_related("items", "customer__contacts")
            .get(pk=candidate.pk)
        )
        number = action.attempts
        if number > 1:
            # A previous attempt that never finished (the worker died) stays on record.
            Attempt.objects.filter(action=action, outcome=AttemptOutcome.STARTED).update(
                finished_at=now, error="the worker stopped during this attempt"
            )
        reason = _recheck(action, today)
        if reason:
            return _cancel(action, number, now, reason)
        # Invoices and statements are documents, not collection contacts: no contact rules.
        verdict = ALLOW if action.kind in DOCUMENT_KINDS else _contact_verdict(action, now)
        if not verdict.allowed:
            reason = f"postponed: {verdict.reason}"
            Action.objects.filter(pk=action.pk).update(
                status=ActionStatus.PLANNED,
                attempts=candidate.attempts,
                claimed_at=None,
                next_attempt_at=verdict.not_before,
                reason=reason[:200],
            )
            return Outcome(action.pk, "postponed", reason)
        try:
            message = finish_email(action, render(action, today))
        except Unsendable as exc:
            return _cancel(action, number, now, str(exc))
        attempt = Attempt.objects.create(
            action=action, number=number, started_at=now, outcome=AttemptOutcome.STARTED
        )
        return action, attempt, message


def dispatch_one(
    now: datetime | None = None,
    *,
    before_send: Callable[[Action], None] | None = None,
    backends: dict[str, Backend] | None = None,
) -> Outcome | None:
    """Claim, re-check, send and record one action; None when nothing is due."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    claimed = _claim(now, today)
    if claimed is None or isinstance(claimed, Outcome):
        return claimed
    action, attempt, message = claimed
    if before_send is not None:
        before_send(action)
    if backends is None:
        backend = backend_for(action.channel)
    elif action.channel in backends:
        backend = backends[action.channel]
    else:
        backend = backends[action.channel] = backend_for(action.channel)
    try:
        sent = backend.send(message)
    except ChannelError as exc:
        return _failed(action, attempt, backend.name, exc, now)
    first = message.attachments[0] if message.attachments else None
    with transaction.atomic():
        finished = timezone.now()
        Attempt.objects.filter(pk=attempt.pk).update(
            finished_at=finished,
            outcome=AttemptOutcome.SENT,
            backend=sent.backend,
            provider_id=sent.provider_id,
        )
        Action.objects.filter(pk=action.pk).update(status=ActionStatus.SENT, sent_on=today)
        archived, _new = Correspondence.objects.get_or_create(
            idempotency_key=message.idempotency_key,
            defaults={
                "creditor_id": action.creditor_id,
                "customer_id": action.customer_id,
                "action_id": action.pk,
                "channel": message.channel,
                "backend": sent.backend,
                "provider_id": sent.provider_id,
                "recipient": message.recipient,
                "recipient_name": message.recipient_name,
                "subject": message.subject,
                "body": message.body,
                "attachment_name": first.filename if first else "",
                "attachment": first.content if first else None,
                "sha256": content_hash(
                    message.subject,
                    message.body,
                    message.recipient,
                    first.content if first else b"",
                ),
                "sent_at": finished,
            },
        )
        record_submission(archived, sent)
    return Outcome(action.pk, "sent", sent.provider_id)


def _failed(
    action: Action, attempt: Attempt, backend: str, exc: ChannelError, now: datetime
) -> Outcome:
    permanent = isinstance(exc, PermanentError) or action.attempts >= MAX_ATTEMPTS
    with transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).update(
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
    """Send what is due, one action at a time, until nothing is due (or `limit` is reached)."""
    counts: Counter[str] = Counter()
    done = 0
    seen: set[int] = set()
    backends: dict[str, Backend] = {}  # kept for the pass: one SMTP connection, not one per email
    try:
        while limit is None or done < limit:
            outcome = dispatch_one(now, backends=backends)
            if outcome is None:
                break
            if outcome.status == "retry" and outcome.action_id in seen:
                break  # everything left is waiting for its next attempt
            seen.add(outcome.action_id)
            counts[outcome.status] += 1
            done += 1
    finally:
        for backend in backends.values():
            backend.close()
    return counts
