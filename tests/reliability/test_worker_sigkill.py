"""Kill the worker with SIGKILL at random points, many times, against a real SMTP server.

Every action must end `sent`, each delivered under its own Message-ID, none lost, none
delivered under two ids, and the archive must hold exactly one copy per action. The
worker sends through its `dispatch_outbox` task, queued in the database: a kill leaves
that task RUNNING (recovered later as failed), and the next worker enqueues a new one;
at the end no task is left waiting.

A kill after the server accepted a message but before the worker recorded it makes the
next worker send it again under the same Message-ID: receivers see one message. Such raw
repeats are counted and reported (they can only come from kills, at most one per kill).

Run by CI (`pytest -m reliability`); about a minute. Seeded: RELANCE_RELIABILITY_SEED.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from relance.channels.email.sink import Sink, free_port

TRIALS = int(os.environ.get("RELANCE_RELIABILITY_TRIALS", "50"))
ACTIONS = 3000

SEED = """
from relance.testing import Ledger
from relance.dunning.services import plan_run
from datetime import date
led = Ledger.create()
for n in range({n}):
    c = led.customer(f"Client {{n}}")
    led.contact(c, f"compta{{n}}@client.example", last_name="Martin")
    led.invoice(c, f"F-{{n}}", "100.00", issued="2025-03-01", due="2025-03-31")
plan_run(led.creditor, date(2025, 4, 1))
"""

REPORT = """
import json
from collections import Counter
from relance.dunning.models import Action, Attempt
from relance.channels.models import Correspondence
from django_tasks_db.models import DBTaskResult
from relance.dunning.tasks import dispatch_outbox
tasks = DBTaskResult.objects.filter(task_path=dispatch_outbox.module_path)
print(json.dumps({
    "tasks": dict(Counter(tasks.values_list("status", flat=True))),
    "status": dict(Counter(Action.objects.values_list("status", flat=True))),
    "keys": list(Action.objects.values_list("idempotency_key", flat=True)),
    "archived": Correspondence.objects.count(),
    "archived_actions": Correspondence.objects.values("action_id").distinct().count(),
    "unfinished_attempts": Attempt.objects.filter(outcome="started").count(),
}))
"""


@pytest.mark.reliability
def test_sigkill_during_dispatch_never_loses_nor_duplicates(tmp_path: Path) -> None:
    import json

    rng = random.Random(int(os.environ.get("RELANCE_RELIABILITY_SEED", "2026")))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        RELANCE_DATA_DIR=str(tmp_path),
        RELANCE_CHANNELS="email=email",
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        RELANCE_OUTBOX_LEASE_SECONDS="1",
        TIME_ZONE="Europe/Paris",
    )
    relance = [sys.executable, "-m", "relance"]

    def call(*args: str) -> str:
        done = subprocess.run(
            [*relance, *args], env=env, check=True, capture_output=True, text=True
        )
        return done.stdout

    call("manage", "migrate", "-v", "0")
    call("manage", "shell", "-c", SEED.format(n=ACTIONS))
    inbox = Sink()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    kills = mid_dispatch = 0
    try:
        for trial in range(TRIALS):
            before = len(inbox.messages)
            worker = subprocess.Popen(
                [*relance, "worker", "--once"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if trial % 2 == 0:
                # Anywhere in start-up (a second or more, depending on the machine's load).
                time.sleep(rng.uniform(0.2, 1.6))
            else:
                # Mid-dispatch: once the server has received this worker's first message,
                # whatever start-up took, then a little later.
                deadline = time.monotonic() + 60
                while (
                    worker.poll() is None
                    and len(inbox.messages) == before
                    and time.monotonic() < deadline
                ):
                    time.sleep(0.005)
                time.sleep(rng.uniform(0.0, 0.3))
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                kills += 1
                mid_dispatch += len(inbox.messages) > before
            worker.wait(timeout=30)
            time.sleep(1.1)  # let the dead worker's claim expire (lease: 1 s)
        for _ in range(5):  # finish what is left, without kills
            call("worker", "--once")
            time.sleep(1.1)
    finally:
        controller.stop()
    report = json.loads(call("manage", "shell", "-c", REPORT).strip().splitlines()[-1])
    expected = {f"<{k.replace(':', '.')}@relance.invalid>" for k in report["keys"]}
    received = Counter(inbox.message_ids)
    repeats = sum(n - 1 for n in received.values())
    print(
        f"\n{TRIALS} trials, {kills} kills ({mid_dispatch} mid-dispatch), "
        f"{len(received)} messages, {repeats} raw repeats"
    )
    assert kills >= TRIALS // 2, "too few kills landed: the test exercised nothing"
    assert mid_dispatch >= TRIALS // 4, "too few kills landed while sending"
    assert report["status"] == {"sent": ACTIONS}
    assert set(received) == expected  # none lost, none unexpected: one Message-ID per action
    assert repeats <= kills
    assert report["archived"] == report["archived_actions"] == ACTIONS
    assert report["tasks"].get("SUCCESSFUL", 0) >= 1 and "READY" not in report["tasks"]
    print(f"dispatch tasks: {report['tasks']}")
