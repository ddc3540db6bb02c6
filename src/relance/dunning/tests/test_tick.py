"""The daily tick (one function, a registry other apps add jobs to) and the worker's tasks."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from typer.testing import CliRunner

from relance.channels.models import CapturedMessage
from relance.cli import app
from relance.core import queue
from relance.creditors.models import Creditor
from relance.customers.models import Customer
from relance.dunning import tick
from relance.dunning.models import Action, ActionStatus, Pause, Run, SendingSettings
from relance.dunning.tasks import daily_tick, dispatch_outbox
from relance.dunning.tick import TickIncomplete, daily, register_daily, unregister_daily
from relance.testing import Ledger
from relance.worker import RETRY_FAILED_TICK, run_pass, schedule_ticks

pytestmark = pytest.mark.django_db

DAY = date(2025, 4, 1)


def overdue(ledger: Ledger, name: str = "ACME", due: date | str = "2025-03-25") -> Customer:
    c = ledger.customer(name, address_line1="3 rue Neuve", postal_code="69001", city="Lyon")
    ledger.contact(c, f"compta@{name.lower()}.example", is_primary_billing=True)
    ledger.invoice(c, f"F-{name}", "120.00", issued="2025-02-20", due=due)
    return c


Adder = Callable[..., None]


@pytest.fixture
def jobs() -> Iterator[tuple[list[str], Adder]]:
    """Register test jobs (removed afterwards); the list records what they did."""
    seen: list[str] = []
    names: list[str] = []

    def add(name: str, fn: tick.DailyJob, *, before_plan: bool = False) -> None:
        register_daily(name, fn, before_plan=before_plan)
        names.append(name)

    yield seen, add
    for name in names:
        unregister_daily(name)


# --------------------------------------------------------------------------- daily()


def test_daily_plans_the_run_and_the_documents(ledger: Ledger) -> None:
    overdue(ledger)
    SendingSettings.objects.create(creditor=ledger.creditor, statement_day=1)
    result = daily(ledger.creditor, DAY)
    assert result["run"] == {"already_planned": False, "actions": 1, "holdbacks": 0}
    assert result["documents"] == {"statements": 1, "invoices": 0}
    again = daily(ledger.creditor, DAY)  # twice the same day: nothing more
    assert again["run"]["already_planned"] and again["documents"] == {
        "statements": 0,
        "invoices": 0,
    }
    assert Run.objects.count() == 1 and Action.objects.count() == 2


def test_registered_jobs_run_around_the_plan_in_order(
    ledger: Ledger, jobs: tuple[list[str], Adder]
) -> None:
    seen, add = jobs
    acme = overdue(ledger)

    def lift_pauses(creditor: Creditor, day: date) -> dict[str, int]:
        """As a broken promise to pay lifts the pause it had set."""
        seen.append("promises")
        lifted, _ = Pause.objects.filter(creditor=creditor, reason="promesse").delete()
        return {"lifted": lifted}

    def after(creditor: Creditor, day: date) -> None:
        seen.append(f"after {Run.objects.filter(creditor=creditor, as_of=day).count()}")

    add("test.after", after)
    add("test.promises", lift_pauses, before_plan=True)
    # the apps' own jobs (relance.negotiation) come first, then those added here
    order = tick.registered()
    assert [n for n in order if n.startswith("test.") or n in ("run", "documents")] == [
        "test.promises",
        "run",
        "documents",
        "test.after",
    ]
    assert order.index("negotiation.evaluate") < order.index("run")
    Pause.objects.create(creditor=ledger.creditor, customer=acme, reason="promesse")
    result = daily(ledger.creditor, DAY)
    assert seen == ["promises", "after 1"]
    assert result["test.promises"] == {"lifted": 1} and result["test.after"] == {}
    # the plan saw the pause lifted before it: the customer is reminded today
    assert result["run"]["actions"] == 1


def test_a_failing_job_leaves_nothing_half_written_and_fails_the_tick(
    ledger: Ledger, jobs: tuple[list[str], Adder]
) -> None:
    seen, add = jobs
    acme = overdue(ledger)

    def half(creditor: Creditor, day: date) -> None:
        Pause.objects.create(creditor=creditor, customer=acme, reason="half-written")
        raise ValueError("the promise table is unreadable")

    def fine(creditor: Creditor, day: date) -> dict[str, str]:
        seen.append("fine")
        return {"ok": "yes"}

    add("test.half", half)
    add("test.fine", fine)
    with pytest.raises(TickIncomplete, match=r"test\.half: ValueError: the promise table"):
        daily(ledger.creditor, DAY)
    assert not Pause.objects.exists()  # its transaction was rolled back
    assert seen == ["fine"] and Run.objects.count() == 1  # the rest is done and kept


def test_the_registry_refuses_a_taken_name(jobs: tuple[list[str], Adder]) -> None:
    _seen, add = jobs

    def one(creditor: Creditor, day: date) -> None:
        return None

    def other(creditor: Creditor, day: date) -> None:
        return None

    add("test.one", one)
    add("test.one", one)  # the same job again (an app loaded twice): nothing changes
    assert tick.registered().count("test.one") == 1
    with pytest.raises(ValueError, match="already registered"):
        register_daily("test.one", other)
    for name in ("run", "documents", ""):
        with pytest.raises(ValueError, match="cannot name a daily job"):
            register_daily(name, other)


def test_a_tick_for_a_day_already_passed_plans_nothing(ledger: Ledger) -> None:
    overdue(ledger)
    daily(ledger.creditor, DAY)
    late = daily(ledger.creditor, DAY - timedelta(days=1))
    assert late["skipped"] == "a later day is already planned"
    assert Run.objects.count() == 1


# --------------------------------------------------------------------------- the tasks


def test_the_same_days_tick_enqueued_twice_plans_once(ledger: Ledger) -> None:
    overdue(ledger)
    first = daily_tick.enqueue(creditor_id=ledger.creditor.pk, day=DAY.isoformat())
    second = daily_tick.enqueue(creditor_id=ledger.creditor.pk, day=DAY.isoformat())
    ran = queue.run_ready()
    assert [r.status for r in ran] == [TaskResultStatus.SUCCESSFUL] * 2
    assert Run.objects.count() == 1 and Action.objects.count() == 1
    results = [daily_tick.get_result(r.id).return_value for r in (first, second)]
    assert [r["run"]["already_planned"] for r in results] == [False, True]  # type: ignore[index]


def test_an_unknown_creditor_is_skipped() -> None:
    daily_tick.enqueue(creditor_id=999999, day=DAY.isoformat())
    [ran] = queue.run_ready()
    assert ran.status == TaskResultStatus.SUCCESSFUL
    assert ran.value["skipped"] == "no such creditor"


def test_ticks_are_enqueued_once_a_day_and_a_failed_one_again_later(ledger: Ledger) -> None:
    other = Ledger.create("Autre")
    now = timezone.now()
    ids = [ledger.creditor.pk, other.creditor.pk]
    assert schedule_ticks(ids, now) == ids
    assert schedule_ticks(ids, now) == []  # waiting
    queue.run_ready()
    assert schedule_ticks(ids, now + timedelta(minutes=5)) == []  # done for the day
    DBTaskResult.objects.filter(args_kwargs__kwargs__creditor_id=other.creditor.pk).update(
        status=TaskResultStatus.FAILED, finished_at=now
    )
    assert schedule_ticks(ids, now + timedelta(minutes=1)) == []  # failed a moment ago
    later = now + RETRY_FAILED_TICK + timedelta(seconds=1)
    if timezone.localdate(later) == timezone.localdate(now):
        assert schedule_ticks(ids, later) == [other.creditor.pk]
    tomorrow = now + timedelta(days=1)
    assert schedule_ticks(ids, tomorrow) == ids


def test_a_pass_plans_the_day_then_sends_it(ledger: Ledger) -> None:
    today = timezone.localdate()
    overdue(ledger, due=today - timedelta(days=1))
    result = run_pass(tick=True)
    assert result.counts == {"sent": 1} and result.failed == []
    assert [r.name for r in result.ran] == ["daily_tick", "dispatch_outbox"]
    assert Run.objects.get().as_of == today
    assert Action.objects.get().status == ActionStatus.SENT
    assert CapturedMessage.objects.count() == 1
    quiet = run_pass(tick=True)  # nothing new: nothing enqueued, nothing run
    assert quiet.ran == [] and quiet.counts == {}
    assert DBTaskResult.objects.count() == 2


def test_a_pass_runs_what_others_enqueued(ledger: Ledger) -> None:
    overdue(ledger)
    daily_tick.enqueue(creditor_id=ledger.creditor.pk, day=DAY.isoformat())
    result = run_pass()  # no --tick: the queued tick is run all the same, then the sends
    assert [r.name for r in result.ran] == ["daily_tick", "dispatch_outbox"]
    assert result.counts == {"sent": 1}


def test_the_cli_keeps_its_flags_and_reports_failures(ledger: Ledger) -> None:
    from relance.core.tests.sample_tasks import boom

    today = timezone.localdate()
    overdue(ledger, due=today - timedelta(days=1))
    other = Ledger.create("Autre")
    overdue(other, "Globex", due=today - timedelta(days=1))
    runner = CliRunner()
    done = runner.invoke(
        app, ["worker", "--once", "--tick", "--json", "--creditor", str(ledger.creditor.pk)]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == {"sent": 1}
    assert list(Run.objects.values_list("creditor_id", flat=True)) == [ledger.creditor.pk]
    boom.enqueue("the nightly export")
    failed = runner.invoke(app, ["worker", "--once"])
    assert failed.exit_code == 1
    assert "task boom failed: RuntimeError: the nightly export went wrong" in failed.stderr
    assert dispatch_outbox.name == "dispatch_outbox"


# --------------------------------------------------------------------------- plan_day()


def test_planning_by_hand_runs_the_jobs_before_the_plan(
    ledger: Ledger, jobs: tuple[list[str], Adder]
) -> None:
    """`relance run` (and the web page, the API) plan through `plan_day`: a pause that a
    broken promise lifts is lifted before the plan, as in the daily tick."""
    seen, add = jobs
    acme = overdue(ledger)

    def lift_pauses(creditor: Creditor, day: date) -> dict[str, int]:
        seen.append(f"promises {day.isoformat()}")
        lifted, _ = Pause.objects.filter(creditor=creditor, reason="promesse").delete()
        return {"lifted": lifted}

    add("test.promises", lift_pauses, before_plan=True)
    Pause.objects.create(creditor=ledger.creditor, customer=acme, reason="promesse")
    preview = CliRunner().invoke(app, ["run", "--date", DAY.isoformat(), "--dry-run", "--json"])
    assert preview.exit_code == 0, preview.output
    assert seen == [] and json.loads(preview.output)["holdbacks"] == 1  # a preview writes nothing
    done = CliRunner().invoke(app, ["run", "--date", DAY.isoformat(), "--json"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert seen == ["promises 2025-04-01"]
    assert summary["actions"] == 1 and summary["failed_jobs"] == {}


def test_plan_day_plans_even_when_a_job_fails_and_says_which(
    ledger: Ledger, jobs: tuple[list[str], Adder]
) -> None:
    _seen, add = jobs
    overdue(ledger)

    def broken(creditor: Creditor, day: date) -> None:
        raise ValueError("the promise table is unreadable")

    add("test.broken", broken, before_plan=True)
    planned = tick.plan_day(ledger.creditor, DAY)
    assert planned.failed == {"test.broken": "ValueError: the promise table is unreadable"}
    assert planned.run.run is not None and Action.objects.filter(run=planned.run.run).count() == 1
    out = CliRunner().invoke(app, ["run", "--date", "2025-04-02", "--json"])
    assert out.exit_code == 0
    assert "daily job test.broken failed" in out.stderr
