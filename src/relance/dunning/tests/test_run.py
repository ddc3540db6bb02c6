"""The daily run against the real database: one plan per date, levels from sends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection

from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.domain import dunning as dd
from relance.dunning.models import (
    Action,
    ActionItem,
    ActionStatus,
    Holdback,
    Pause,
    Policy,
    PolicyAssignment,
    Run,
)
from relance.dunning.services import ensure_default_policy, plan_run, save_policy
from relance.ledger.models import Invoice
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

DUE = date(2025, 3, 31)


def day(offset: int) -> date:
    return DUE + timedelta(days=offset)


def mark_sent(on: date) -> None:
    """What the dispatcher will do: the planned actions of that date go out."""
    Action.objects.filter(as_of=on, status=ActionStatus.PLANNED).update(
        status=ActionStatus.SENT, sent_on=on
    )


def actions(on: date) -> list[tuple[str, str, str, str]]:
    return sorted(
        (a.customer.legal_name, a.currency, a.step_key, a.channel)
        for a in Action.objects.filter(as_of=on).select_related("customer")
    )


def test_one_message_per_customer_and_currency_on_each_channel(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    other = ledger.customer("Bricolage Martin")
    a1 = ledger.invoice(acme, "F-1", "100.00", issued=day(-30), due=DUE)
    ledger.invoice(acme, "F-2", "50.00", issued=day(-30), due=day(1))  # 7 days late at J+8
    ledger.invoice(acme, "F-USD", "70.00", issued=day(-30), due=DUE, currency="USD")
    ledger.invoice(other, "F-3", "10.00", issued=day(-30), due=day(20))  # not due yet
    plan_run(ledger.creditor, day(1))
    mark_sent(day(1))
    assert actions(day(1)) == [("ACME", "EUR", "j+1", "email"), ("ACME", "USD", "j+1", "email")]
    result = plan_run(ledger.creditor, day(8))
    assert result.summary()["messages"] == 2
    # F-1 moves to J+8, F-2 (7 days late, never reminded) to J+1: one message at J+8
    assert actions(day(8)) == [
        ("ACME", "EUR", "j+8", "email"),
        ("ACME", "EUR", "j+8", "sms"),
        ("ACME", "USD", "j+8", "email"),
        ("ACME", "USD", "j+8", "sms"),
    ]
    eur = Action.objects.get(as_of=day(8), currency="EUR", channel="email")
    items = {
        i.invoice.number: (i.level_key, i.advances) for i in eur.items.select_related("invoice")
    }
    assert items == {"F-1": ("j+8", True), "F-2": ("j+1", True)}
    assert eur.total_minor == 15000 and eur.overdue_total_minor == 15000
    assert a1.pk in set(ActionItem.objects.values_list("invoice_id", flat=True))


def test_same_date_twice_gives_the_same_plan(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    ledger.invoice(acme, "F-1", issued=day(-30), due=DUE)
    first = plan_run(ledger.creditor, day(1))
    again = plan_run(ledger.creditor, day(1))
    assert again.already_planned and again.run == first.run
    assert Run.objects.count() == 1 and Action.objects.count() == 1
    assert again.summary()["actions"] == 1 and again.summary()["by_step"] == {"j+1": 1}


def test_back_dated_run_is_refused_and_dry_run_writes_nothing(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    ledger.invoice(acme, "F-1", issued=day(-30), due=DUE)
    plan_run(ledger.creditor, day(5))
    with pytest.raises(BadInput, match="back-dated"):
        plan_run(ledger.creditor, day(4))
    preview = plan_run(ledger.creditor, day(4), dry_run=True)
    assert preview.run is None and preview.summary()["actions"] == 1
    assert set(preview.seconds) == {"decide"}  # nothing written, no time spent writing
    tomorrow = plan_run(ledger.creditor, day(6), dry_run=True)
    assert tomorrow.summary()["by_step"] == {"j+1": 1}
    assert Run.objects.count() == 1 and Action.objects.count() == 1


def test_unsent_actions_do_not_count_as_history(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    ledger.invoice(acme, "F-1", issued=day(-30), due=DUE)
    plan_run(ledger.creditor, day(1))  # planned, never sent
    plan_run(ledger.creditor, day(8))
    assert actions(day(8)) == [("ACME", "EUR", "j+1", "email")]


def test_the_scheduler_frequency_changes_nothing(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    ledger.invoice(acme, "F-1", issued=day(-30), due=DUE)
    for offset in range(1, 16):
        plan_run(ledger.creditor, day(offset))
        mark_sent(day(offset))
    sent = Action.objects.filter(status=ActionStatus.SENT).order_by("as_of")
    assert [(a.as_of, a.step_key, a.channel) for a in sent] == [
        (day(1), "j+1", "email"),
        (day(8), "j+8", "email"),
        (day(8), "j+8", "sms"),
        (day(15), "j+15", "call"),
    ]


def test_paid_and_cancelled_invoices_are_not_dunned(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    paid = ledger.invoice(acme, "F-1", "100.00", issued=day(-30), due=DUE)
    ledger.payment(acme, "100.00", on=day(0), pays=[paid])
    ledger.invoice(acme, "F-2", issued=day(-30), due=DUE, status="cancelled")
    assert plan_run(ledger.creditor, day(1)).summary()["actions"] == 0


def test_pauses_hold_items_back_with_their_reason(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    other = ledger.customer("Garage Moreau")
    disputed = ledger.invoice(acme, "F-1", issued=day(-30), due=DUE)
    ledger.invoice(acme, "F-2", "30.00", issued=day(-30), due=DUE)
    ledger.invoice(other, "F-3", issued=day(-30), due=DUE)
    Pause.objects.create(
        creditor=ledger.creditor, invoice=disputed, reason="litige quantités", until=None
    )
    Pause.objects.create(creditor=ledger.creditor, customer=other, reason="procédure collective")
    Pause.objects.create(
        creditor=ledger.creditor, customer=acme, reason="vacances", until=day(0)
    )  # over before the run
    plan_run(ledger.creditor, day(1))
    action = Action.objects.get()
    assert action.customer == acme
    assert [i.invoice.number for i in action.items.select_related("invoice")] == ["F-2"]
    held = sorted((h.customer.legal_name, h.invoice_id, h.reason) for h in Holdback.objects.all())
    assert held == [
        ("ACME", disputed.pk, "paused: litige quantités"),
        ("Garage Moreau", None, "paused: procédure collective"),
    ]


def test_policy_by_segment_then_by_customer(ledger: Ledger) -> None:
    patient = save_policy(
        ledger.creditor,
        dd.Policy(
            "grands-comptes",
            "Grands comptes",
            (dd.Step("j+10", 10, (dd.Channel.EMAIL,), dd.Tone.COURTEOUS),),
        ),
    )
    ensure_default_policy(ledger.creditor)
    big = ledger.customer("Grand Compte SA", segment="Grands comptes")
    small = ledger.customer("Petit Client", segment="PME")
    special = ledger.customer("Client Spécial", segment="PME")
    for customer in (big, small, special):
        ledger.invoice(customer, issued=day(-30), due=DUE)
    PolicyAssignment.objects.create(
        creditor=ledger.creditor, policy=patient, segment="Grands comptes"
    )
    PolicyAssignment.objects.create(creditor=ledger.creditor, policy=patient, customer=special)
    plan_run(ledger.creditor, day(1))
    assert actions(day(1)) == [("Petit Client", "EUR", "j+1", "email")]
    plan_run(ledger.creditor, day(10))
    names = [a[0] for a in actions(day(10)) if a[2] == "j+10"]
    assert names == ["Client Spécial", "Grand Compte SA"]


def test_formal_notice_waits_for_approval(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    ledger.invoice(acme, "F-1", issued=day(-30), due=DUE)
    for offset in (1, 8, 15, 30):
        plan_run(ledger.creditor, day(offset))
        mark_sent(day(offset))
    plan_run(ledger.creditor, day(45))
    notice = Action.objects.get(as_of=day(45))
    assert (notice.step_key, notice.channel, notice.status) == (
        "j+45",
        "registered_letter",
        ActionStatus.NEEDS_APPROVAL,
    )
    assert notice.states_penalties and notice.kind == "formal_notice"


def test_history_survives_a_policy_edit(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    ledger.invoice(acme, "F-1", issued=day(-30), due=DUE)
    plan_run(ledger.creditor, day(1))
    mark_sent(day(1))
    policy = Policy.objects.get(is_default=True)
    policy.steps.filter(key="j+1").update(key="premier-rappel", offset_days=2)
    # "j+1" is gone: the send counts as the last step at or before offset 1, i.e. "j-5";
    # the renamed step (offset 2) is then next, 7 days after "j-5" nominally, due now.
    plan_run(ledger.creditor, day(8))
    assert [a[2] for a in actions(day(8))] == ["premier-rappel"]


def test_an_unusable_policy_is_a_clear_error(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    ledger.invoice(acme, "F-1", issued=day(-30), due=DUE)
    policy = ensure_default_policy(ledger.creditor)
    policy.steps.filter(key="j+8").update(channels="email,pigeon")
    with pytest.raises(BadInput, match="pigeon"):
        plan_run(ledger.creditor, day(1))
    assert not Run.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_give_one_plan() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory test database locks whole tables: see the two-process test")
    led = Ledger.create()
    acme = led.customer("ACME")
    led.invoice(acme, "F-1", issued=day(-30), due=DUE)
    barrier = threading.Barrier(2)
    results: list[object] = []
    errors: list[BaseException] = []

    def go() -> None:
        try:
            barrier.wait()
            results.append(plan_run(led.creditor, day(1)))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert Run.objects.count() == 1 and Action.objects.count() == 1
    assert Customer.objects.count() == 1 and Invoice.objects.count() == 1


SEED = """
from relance.testing import Ledger
led = Ledger.create()
for n in range(50):
    led.invoice(led.customer(f"Client {n}"), f"F-{n}", issued="2025-03-01", due="2025-03-31")
"""


@pytest.mark.django_db
def test_two_processes_at_once_on_a_sqlite_file_give_one_plan(tmp_path: Path) -> None:
    """The default engine for real: WAL file, two `relance run` commands started together."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env["RELANCE_DATA_DIR"] = str(tmp_path)
    relance = [sys.executable, "-m", "relance"]
    subprocess.run([*relance, "manage", "migrate", "-v", "0"], env=env, check=True)
    subprocess.run([*relance, "manage", "shell", "-c", SEED], env=env, check=True)
    command = [*relance, "run", "--date", "2025-04-01", "--json"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in runs]
    assert [p.returncode for p in runs] == [0, 0]
    assert sorted(o["already_planned"] for o in outputs) == [False, True]
    assert {o["run"] for o in outputs} == {1}
    assert {o["actions"] for o in outputs} == {50}


def test_a_new_run_supersedes_unsent_plans_and_keeps_pending_approvals(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    bolt = ledger.customer("Bolt")
    ledger.invoice(acme, "F-1", issued=day(-30), due=DUE)
    waiting = ledger.invoice(bolt, "F-2", issued=day(-30), due=DUE)
    plan_run(ledger.creditor, day(1))
    Action.objects.filter(customer=bolt).update(status=ActionStatus.NEEDS_APPROVAL)
    plan_run(ledger.creditor, day(2))
    old = Action.objects.get(as_of=day(1), customer=acme)
    assert old.status == ActionStatus.CANCELLED
    assert old.reason == f"superseded by the run of {day(2).isoformat()}"
    assert Action.objects.get(as_of=day(1), customer=bolt).status == ActionStatus.NEEDS_APPROVAL
    assert actions(day(2)) == [("ACME", "EUR", "j+1", "email")]
    held = Holdback.objects.get(run__as_of=day(2))
    assert (held.invoice_id, held.reason) == (
        waiting.pk,
        f"awaiting approval (run of {day(1).isoformat()})",
    )


def test_invoices_listed_at_their_level_are_kept_with_the_message(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    old = ledger.invoice(acme, "F-OLD", "100.00", issued=day(-30), due=DUE)
    for offset in (1, 8, 15, 30):
        plan_run(ledger.creditor, day(offset))
        mark_sent(day(offset))
    new = ledger.invoice(acme, "F-NEW", "50.00", issued=day(0), due=day(34))
    plan_run(ledger.creditor, day(35))
    action = Action.objects.get(as_of=day(35))
    assert action.step_key == "j+1"
    assert action.listed == [[old.pk, "j+30", 10000]]
    assert [(x.invoice_id, x.level_key, x.advances) for x in action.lines()] == [
        (new.pk, "j+1", True),
        (old.pk, "j+30", False),
    ]
    assert list(action.items.values_list("invoice_id", flat=True)) == [new.pk]


def test_the_tone_is_never_softer_than_the_levels_already_reached(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    ledger.invoice(acme, "F-OLD", "100.00", issued=day(-30), due=DUE)
    for offset in (1, 8, 15, 30):
        plan_run(ledger.creditor, day(offset))
        mark_sent(day(offset))
    ledger.invoice(acme, "F-SOON", "50.00", issued=day(0), due=day(38))
    plan_run(ledger.creditor, day(33))  # F-SOON reaches the courtesy step j-5
    action = Action.objects.get(as_of=day(33))
    assert (action.step_key, action.channel) == ("j-5", "email")  # the step's channel
    assert action.tone == "firm" and action.states_penalties  # F-OLD already had a firm letter
