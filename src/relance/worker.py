"""What `relance worker` does in one pass: enqueue the periodic work, run the queue.

    result = run_pass(tick=True)     # result.counts: what the outbox did this pass

A pass:

1. marks abandoned tasks (RUNNING past relance.core.queue.STALE_AFTER) as failed, and
   deletes finished ones older than the retention (at most once an hour per process);
2. with `tick`: enqueues the day's tick (relance.dunning.tasks.daily_tick) of each
   creditor that has none for the day yet — waiting, running or done; a failed one is
   enqueued again once RETRY_FAILED_TICK has passed;
3. runs the queue (the ticks first: they have the higher priority);
4. enqueues `dispatch_outbox` when an action is due and `retry_risk_webhooks` when a hold
   webhook attempt is due — unless a copy already waits — and runs the queue again;
5. reads debtors' replies from RELANCE_IMAP_URL when its polling interval has passed
   (`relance.replies.imap.poll_if_due`, in the worker process itself: a mailbox that cannot
   be read is logged and never stops the sending).

Everything it enqueues is safe to run twice or at once, so two workers on one database,
a timer that fires twice, or a day planned by hand first, change nothing: the database
is the queue (django-tasks-db), the plan is unique per creditor and day, and the outbox
claims each action (SKIP LOCKED on PostgreSQL).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from relance.core import queue
from relance.dunning.models import Action
from relance.dunning.outbox import claimable
from relance.dunning.tasks import daily_tick, dispatch_outbox
from relance.replies.imap import poll_if_due
from relance.risk import webhooks
from relance.risk.tasks import retry_risk_webhooks

#: a day's tick that failed is enqueued again after this long
RETRY_FAILED_TICK = timedelta(minutes=15)
#: how often a long-running worker deletes old finished tasks
PRUNE_EVERY = timedelta(hours=1)

_last_prune: datetime | None = None


@dataclass
class PassResult:
    ran: list[queue.Ran] = field(default_factory=list)
    #: the outbox's outcomes over the pass (sent, retry, failed, cancelled, postponed…)
    counts: Counter[str] = field(default_factory=Counter)
    recovered: int = 0

    @property
    def failed(self) -> list[queue.Ran]:
        return [r for r in self.ran if r.status == TaskResultStatus.FAILED]


def schedule_ticks(creditor_ids: Iterable[int], now: datetime | None = None) -> list[int]:
    """Enqueue today's tick of each creditor that needs one; the creditors enqueued."""
    at = now or timezone.now()
    day = timezone.localdate(at).isoformat()
    rows = DBTaskResult.objects.filter(
        task_path=daily_tick.module_path, args_kwargs__kwargs__day=day
    ).values_list("args_kwargs__kwargs__creditor_id", "status", "finished_at")
    taken: set[int] = set()
    for creditor_id, status, finished_at in rows:
        retry_later = finished_at is not None and finished_at > at - RETRY_FAILED_TICK
        if status != TaskResultStatus.FAILED or retry_later:
            taken.add(int(creditor_id))
    enqueued = [c for c in creditor_ids if c not in taken]
    for creditor_id in enqueued:
        daily_tick.enqueue(creditor_id=creditor_id, day=day)
    return enqueued


def schedule_work(now: datetime | None = None) -> list[str]:
    """Enqueue the sending and the webhook retries when something is due; their names."""
    at = now or timezone.now()
    enqueued: list[str] = []
    if Action.objects.filter(claimable(at)).exists() and queue.enqueue_unless_ready(
        dispatch_outbox
    ):
        enqueued.append(dispatch_outbox.name)
    if webhooks.due(at) and queue.enqueue_unless_ready(retry_risk_webhooks):
        enqueued.append(retry_risk_webhooks.name)
    return enqueued


def run_pass(
    *, tick: bool = False, creditor_ids: Iterable[int] | None = None, now: datetime | None = None
) -> PassResult:
    """One pass of the worker (see the module docstring). `creditor_ids`: the creditors
    to tick (default: all)."""
    global _last_prune
    from relance.creditors.models import Creditor

    at = now or timezone.now()
    result = PassResult(recovered=queue.recover_stale(at))
    if _last_prune is None or at - _last_prune >= PRUNE_EVERY:
        queue.prune(at)
        _last_prune = at
    if tick:
        ids = (
            list(creditor_ids)
            if creditor_ids is not None
            else list(Creditor.objects.order_by("pk").values_list("pk", flat=True))
        )
        schedule_ticks(ids, at)
    result.ran += queue.run_ready()
    schedule_work(at)
    result.ran += queue.run_ready()
    for ran in result.ran:
        if ran.path == dispatch_outbox.module_path and isinstance(ran.value, dict):
            result.counts.update(ran.value)
    replies = poll_if_due()
    if replies:
        result.counts["replies"] = replies
    return result
