"""Running the tasks queued in the database (django-tasks with the django-tasks-db backend).

The queue is django-tasks-db's table (`DBTaskResult`): a task enqueued anywhere through the
tasks API (`some_task.enqueue(...)`) is a READY row until a worker runs it.

    ran = run_ready()                  # every READY task, highest priority first
    enqueue_unless_ready(some_task)    # one waiting copy is enough

`run_ready` claims one row at a time in a short transaction — `SELECT … FOR UPDATE SKIP
LOCKED` on PostgreSQL, so that any number of workers share the queue; the single writer
lock on SQLite — marks it RUNNING, commits, then runs the task outside any transaction
(a task manages its own: the outbox must commit a claim before it sends). The result is
recorded SUCCESSFUL with the task's return value, or FAILED with the exception and its
traceback; a failing task never stops the others.

A worker killed while running a task leaves its row RUNNING: `recover_stale` marks the
rows RUNNING for longer than STALE_AFTER as FAILED ("the worker stopped"). relance's tasks
are all safe to run twice, so the periodic ones are simply enqueued again. Finished rows
are kept RETENTION days (`prune`).

`relance manage db_worker` (django-tasks-db's own worker) runs the same queue; only
`relance worker` (relance.worker) also enqueues the periodic work.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus
from django_tasks.base import Task
from django_tasks.signals import task_finished, task_started
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

#: a task RUNNING for longer is taken as abandoned by a worker that died
STALE_AFTER = timedelta(minutes=30)
#: how long finished tasks stay in the table
RETENTION = timedelta(days=7)


class WorkerStopped(Exception):
    """The worker running this task stopped before it finished (killed, or the machine)."""


@dataclass(frozen=True, slots=True)
class Ran:
    """One task run by `run_ready`."""

    id: str
    path: str  # the task function's dotted path
    status: str  # SUCCESSFUL or FAILED
    value: Any = None  # the task's return value
    error: str = ""  # FAILED: the exception, on one line

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]


def waiting(task: Task[Any, Any], **kwargs: Any) -> Any:
    """The READY rows of `task` (with these keyword arguments, when given)."""
    rows = DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY)
    for key, value in kwargs.items():
        rows = rows.filter(**{f"args_kwargs__kwargs__{key}": value})
    return rows


def enqueue_unless_ready(task: Task[Any, Any], **kwargs: Any) -> bool:
    """Enqueue `task(**kwargs)` unless a copy already waits; True when enqueued.

    Two workers asking at once may both enqueue: the tasks are safe to run twice."""
    if waiting(task, **kwargs).exists():
        return False
    task.enqueue(**kwargs)
    return True


def _claim(worker_id: str, backend: str) -> DBTaskResult[Any, Any] | None:
    with transaction.atomic():
        row = DBTaskResult.objects.ready().filter(backend_name=backend).get_locked()
        if row is not None:
            row.claim(worker_id)
        return row


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]


def _run(row: DBTaskResult[Any, Any]) -> Ran:
    try:
        task = row.task
        result = row.task_result
    except Exception as exc:  # the task's function is gone or is not a task
        row.set_failed(exc)
        logger.exception("task %s (%s) cannot be loaded", row.pk, row.task_path)
        return Ran(str(row.pk), row.task_path, TaskResultStatus.FAILED, None, _error(exc))
    sender = type(task.get_backend())
    task_started.send(sender=sender, task_result=result)
    try:
        value = task.call(*result.args, **result.kwargs)
        json.dumps(value)  # what the result column can keep (else: failed, with the reason)
        row.set_successful(value)
        ran = Ran(str(row.pk), row.task_path, TaskResultStatus.SUCCESSFUL, value)
    except Exception as exc:
        row.set_failed(exc)
        # sent inside the handler: django-tasks logs the failure with its traceback
        task_finished.send(sender=sender, task_result=row.task_result)
        return Ran(str(row.pk), row.task_path, TaskResultStatus.FAILED, None, _error(exc))
    task_finished.send(sender=sender, task_result=row.task_result)
    return ran


def run_ready(
    *, limit: int | None = None, worker_id: str = "", backend: str = DEFAULT_TASK_BACKEND_ALIAS
) -> list[Ran]:
    """Run the READY tasks one after the other until none is left (or `limit` ran)."""
    worker_id = worker_id or get_random_string(32)
    done: list[Ran] = []
    while limit is None or len(done) < limit:
        row = _claim(worker_id, backend)
        if row is None:
            break
        done.append(_run(row))
    return done


def recover_stale(now: datetime | None = None) -> int:
    """Mark FAILED the tasks RUNNING for longer than STALE_AFTER; how many."""
    at = now or timezone.now()
    stale = list(DBTaskResult.objects.running().filter(started_at__lt=at - STALE_AFTER))
    for row in stale:
        row.set_failed(WorkerStopped(f"still running after {STALE_AFTER}: its worker stopped"))
    return len(stale)


def prune(now: datetime | None = None) -> int:
    """Delete the tasks finished more than RETENTION ago; how many."""
    at = now or timezone.now()
    old = DBTaskResult.objects.finished().filter(finished_at__lt=at - RETENTION)
    deleted, _by_model = old.delete()
    return deleted
