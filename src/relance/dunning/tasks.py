"""The dunning's units of work on the Django tasks API (django-tasks, database backend).

    daily_tick.enqueue(creditor_id=7, day="2025-04-08")   # plan the creditor's day
    dispatch_outbox.enqueue()                             # send what is due

They are enqueued by `relance worker` (relance.worker) and by anyone else through the
tasks API, and run by the worker. Both take ids and dates, never objects, and are safe
to run twice or at once: the day's plan is unique per creditor and date, and the outbox
claims each action before sending it (relance.dunning.outbox).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django_tasks import task

from relance.creditors.models import Creditor
from relance.dunning.outbox import dispatch
from relance.dunning.tick import daily

#: the day's plan runs before the sends of the same pass (higher priority first)
TICK_PRIORITY = 10


@task(priority=TICK_PRIORITY)
def daily_tick(creditor_id: int, day: str) -> dict[str, Any]:
    """The creditor's daily tick for `day` (ISO date): relance.dunning.tick.daily."""
    creditor = Creditor.objects.filter(pk=creditor_id).first()
    if creditor is None:
        return {"creditor": creditor_id, "day": day, "skipped": "no such creditor"}
    return daily(creditor, date.fromisoformat(day))


@task()
def dispatch_outbox() -> dict[str, int]:
    """Send every action due now, batch after batch (relance.dunning.outbox.dispatch)."""
    return dict(dispatch())
