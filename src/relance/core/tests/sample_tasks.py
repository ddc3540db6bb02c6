"""Tasks the queue tests enqueue (a task must be a module-level function)."""

from __future__ import annotations

from django_tasks import task

#: what the tasks did, in order (the tests read it)
CALLS: list[str] = []


@task()
def record(name: str) -> dict[str, str]:
    CALLS.append(name)
    return {"recorded": name}


@task(priority=50)
def urgent(name: str) -> str:
    CALLS.append(f"urgent {name}")
    return name


@task()
def boom(name: str) -> None:
    CALLS.append(f"boom {name}")
    raise RuntimeError(f"{name} went wrong")


@task()
def not_json() -> object:
    return object()  # a result the table cannot keep: the task is recorded as failed
