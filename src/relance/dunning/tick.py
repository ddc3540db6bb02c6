"""The daily tick of one creditor: everything that happens once a day, in one function.

    result = daily(creditor, date(2025, 4, 8))

In order:

1. the jobs registered with `before_plan=True` (e.g. the evaluation of promises to pay
   and payment plans, whose pauses the day's plan must see);
2. the day's dunning run (`plan_run`: once per creditor and date);
   steps 1 and 2 are `plan_day`, which `relance run`, the web page and the API call too;
3. the documents the creditor's sending settings schedule (`plan_documents`: invoices,
   account statements, once per key);
4. the other registered jobs, in the order they were registered.

Another app adds a daily job from its `AppConfig.ready()`:

    from relance.dunning.tick import register_daily
    register_daily("negotiation.promises", evaluate_promises, before_plan=True)

A job is `fn(creditor, day) -> dict | None`; what it returns (JSON-serialisable, kept
with the task's result) is reported under its name. The contract of every job is the
one of the run: **running it twice for the same creditor and day changes nothing** (the
tick may be enqueued twice, and a failed tick is run again), and it takes the day as
given, never from a clock.

A registered job runs in its own transaction: one that fails leaves nothing half-written,
the others still run, and the tick then raises `TickIncomplete` naming it — the worker
records the task as failed and enqueues the day's tick again later, when the jobs that
succeeded change nothing. A tick for a day before the creditor's latest run plans
nothing (`skipped`): that day is over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from relance.creditors.models import Creditor
from relance.dunning.models import Run
from relance.dunning.sending import plan_documents
from relance.dunning.services import RunResult, plan_run

logger = logging.getLogger(__name__)

DailyJob = Callable[[Creditor, date], Mapping[str, Any] | None]

#: names the tick reports its own steps under (not available to registered jobs)
BUILT_IN = frozenset({"creditor", "day", "skipped", "run", "documents", "failed"})


@dataclass(frozen=True, slots=True)
class _Job:
    name: str
    fn: DailyJob
    before_plan: bool


_jobs: list[_Job] = []


def register_daily(name: str, fn: DailyJob, *, before_plan: bool = False) -> None:
    """Add a daily job (see the module docstring); registering the same job again is a
    no-op, another function under a name already taken is refused."""
    if not name or name in BUILT_IN:
        raise ValueError(f"{name!r} cannot name a daily job")
    for job in _jobs:
        if job.name == name:
            if job.fn is fn and job.before_plan == before_plan:
                return
            raise ValueError(f"a daily job named {name!r} is already registered")
    _jobs.append(_Job(name, fn, before_plan))


def unregister_daily(name: str) -> None:
    """Remove a daily job (tests; an app that is switched off)."""
    _jobs[:] = [job for job in _jobs if job.name != name]


def registered() -> list[str]:
    """The daily jobs in the order the tick runs them, around the built-in steps."""
    return [
        *(j.name for j in _jobs if j.before_plan),
        "run",
        "documents",
        *(j.name for j in _jobs if not j.before_plan),
    ]


class TickIncomplete(Exception):
    """Some daily jobs failed; the others' work is kept (the tick is run again later)."""

    def __init__(self, creditor_id: int, day: date, failed: dict[str, str]) -> None:
        self.failed = failed
        listed = "; ".join(f"{name}: {why}" for name, why in failed.items())
        super().__init__(f"daily tick of creditor {creditor_id} on {day}: {listed}")


def _run_job(
    job: _Job, creditor: Creditor, day: date, result: dict[str, Any], failed: dict[str, str]
) -> None:
    try:
        with transaction.atomic():
            out = job.fn(creditor, day)
    except Exception as exc:
        logger.exception("daily job %s failed for creditor %s on %s", job.name, creditor.pk, day)
        failed[job.name] = f"{type(exc).__name__}: {exc}"[:500]
        return
    result[job.name] = dict(out) if out is not None else {}


@dataclass(frozen=True, slots=True)
class PlannedDay:
    """What `plan_day` did: the run, what the jobs before it returned, those that failed."""

    run: RunResult
    jobs: dict[str, Any]
    failed: dict[str, str]


def plan_day(creditor: Creditor, day: date, *, user: object | None = None) -> PlannedDay:
    """The jobs registered with `before_plan=True`, then the day's run.

    Every way of planning a day goes through here (the daily tick, `relance run`, the
    web page's button, the API), so that a run planned by hand sees the same promises,
    plans and disputes judged as the tick's would. A job that fails is reported in
    `failed` and the run is planned all the same (as the tick does); the jobs being
    idempotent, the tick does their work again later.
    """
    jobs: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for job in [j for j in _jobs if j.before_plan]:
        _run_job(job, creditor, day, jobs, failed)
    # The run manages its own transactions (a run of a million invoices decides before
    # it writes, and must not hold the write lock meanwhile).
    return PlannedDay(plan_run(creditor, day, user=user), jobs, failed)


def daily(creditor: Creditor, day: date) -> dict[str, Any]:
    """Run the creditor's day (see the module docstring); what each step did."""
    result: dict[str, Any] = {"creditor": creditor.pk, "day": day.isoformat()}
    if Run.objects.filter(creditor=creditor, as_of__gt=day).exists():
        result["skipped"] = "a later day is already planned"
        return result
    planned = plan_day(creditor, day)
    result.update(planned.jobs)
    failed = dict(planned.failed)
    summary = planned.run.summary()
    result["run"] = {
        "already_planned": summary["already_planned"],
        "actions": summary["actions"],
        "holdbacks": summary["holdbacks"],
    }
    result["documents"] = plan_documents(creditor, day)
    for job in [j for j in _jobs if not j.before_plan]:
        _run_job(job, creditor, day, result, failed)
    if failed:
        raise TickIncomplete(creditor.pk, day, failed)
    return result
