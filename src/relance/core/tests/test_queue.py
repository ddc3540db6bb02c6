"""The database task queue: enqueue through the tasks API, run, record, recover, prune."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from relance.core import queue
from relance.core.tests import sample_tasks
from relance.core.tests.sample_tasks import CALLS, boom, not_json, record, urgent


@pytest.fixture(autouse=True)
def _calls() -> Iterator[None]:
    CALLS.clear()
    yield
    CALLS.clear()


@pytest.mark.django_db
def test_enqueued_tasks_run_by_priority_then_age_and_keep_their_result() -> None:
    first = record.enqueue("a")
    record.enqueue("b")
    urgent.enqueue("c")
    assert DBTaskResult.objects.ready().count() == 3  # in the database: the queue
    ran = queue.run_ready(worker_id="w-1")
    assert CALLS == ["urgent c", "a", "b"]
    assert [r.status for r in ran] == [TaskResultStatus.SUCCESSFUL] * 3
    assert ran[1].value == {"recorded": "a"} and ran[1].name == "record"
    row = DBTaskResult.objects.get(pk=first.id)
    assert row.status == TaskResultStatus.SUCCESSFUL and row.return_value == {"recorded": "a"}
    assert row.worker_ids == ["w-1"] and row.finished_at is not None
    assert record.get_result(first.id).return_value == {"recorded": "a"}  # the tasks API
    assert queue.run_ready() == []


@pytest.mark.django_db
def test_a_failing_task_is_recorded_and_the_others_still_run() -> None:
    boom.enqueue("x")
    not_json.enqueue()
    record.enqueue("after")
    ran = queue.run_ready()
    assert [(r.name, r.status) for r in ran] == [
        ("boom", TaskResultStatus.FAILED),
        ("not_json", TaskResultStatus.FAILED),
        ("record", TaskResultStatus.SUCCESSFUL),
    ]
    assert ran[0].error == "RuntimeError: x went wrong"
    failed = DBTaskResult.objects.get(task_path=boom.module_path)
    assert failed.exception_class_path == "builtins.RuntimeError"
    assert "x went wrong" in failed.traceback
    assert CALLS == ["boom x", "after"]


@pytest.mark.django_db
def test_a_row_whose_function_is_gone_fails_cleanly() -> None:
    result = record.enqueue("a")
    DBTaskResult.objects.filter(pk=result.id).update(task_path="relance.core.tests.gone.task")
    [ran] = queue.run_ready()
    assert ran.status == TaskResultStatus.FAILED and "ModuleNotFoundError" in ran.error
    assert CALLS == []


@pytest.mark.django_db
def test_one_waiting_copy_is_enough() -> None:
    assert queue.enqueue_unless_ready(record, name="a")
    assert not queue.enqueue_unless_ready(record, name="a")
    assert queue.enqueue_unless_ready(record, name="b")  # other arguments: another task
    assert queue.waiting(record).count() == 2
    queue.run_ready(limit=1)
    assert queue.waiting(record, name="a").count() == 0
    assert queue.enqueue_unless_ready(record, name="a")  # the first one ran


@pytest.mark.django_db
def test_abandoned_tasks_are_recovered_and_old_ones_pruned() -> None:
    now = timezone.now()
    stuck = record.enqueue("stuck")
    busy = record.enqueue("busy")
    DBTaskResult.objects.filter(pk=stuck.id).update(
        status=TaskResultStatus.RUNNING, started_at=now - queue.STALE_AFTER - timedelta(seconds=1)
    )
    DBTaskResult.objects.filter(pk=busy.id).update(
        status=TaskResultStatus.RUNNING, started_at=now - timedelta(minutes=1)
    )
    assert queue.recover_stale(now) == 1
    row = DBTaskResult.objects.get(pk=stuck.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path.endswith("WorkerStopped")
    assert DBTaskResult.objects.get(pk=busy.id).status == TaskResultStatus.RUNNING
    DBTaskResult.objects.filter(pk=stuck.id).update(finished_at=now - timedelta(days=8))
    assert queue.prune(now) == 1
    assert not DBTaskResult.objects.filter(pk=stuck.id).exists()
    assert DBTaskResult.objects.filter(pk=busy.id).exists()  # not finished: kept


@pytest.mark.django_db(transaction=True)
def test_workers_skip_the_rows_another_worker_holds() -> None:
    """PostgreSQL: a row locked by one worker's claim is skipped by the others (SKIP LOCKED)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (RELANCE_TEST_DATABASE_URL)")
    held = record.enqueue("held")
    free = record.enqueue("free")
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                DBTaskResult.objects.select_for_update().get(pk=held.id)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        ran = queue.run_ready(limit=1)  # not blocked by the held row
        assert [r.id for r in ran] == [str(free.id)] and CALLS == ["free"]
        assert queue.run_ready(limit=1) == []  # the held one is skipped, not waited for
    finally:
        release.set()
        thread.join()
    assert [r.value for r in queue.run_ready()] == [{"recorded": "held"}]
    assert sample_tasks.CALLS == ["free", "held"]
