"""The worklist: each source on crafted rows, the ranking formula, the scope by role, the
registry, and a constant number of queries whatever the number of customers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from relance.accounts.access import membership_for
from relance.dunning.models import ActionStatus
from relance.negotiation import worklist
from relance.negotiation.models import ApprovalRequest, PaymentPlan
from relance.negotiation.tests.factories import (
    AS_OF,
    Desk,
    action,
    call,
    desk,
    dispute,
    moment,
    plan,
    promise,
    risk,
)
from relance.negotiation.worklist import WorkItem, rank, score, urgency
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def world(ledger: Ledger) -> Desk:
    return desk(ledger)


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


def items_of(user: Any, **kwargs: Any) -> list[WorkItem]:
    return worklist.build(membership_for(user), AS_OF, **kwargs)


def by_ref(items: list[WorkItem]) -> dict[str, WorkItem]:
    return {i.ref: i for i in items}


# --------------------------------------------------------------------------- sources


def test_call_tasks_due_until_a_call_logs_them_or_a_later_step_supersedes_them(
    world: Desk,
) -> None:
    due = action(world.acme, AS_OF - 6 * DAY)
    done = action(world.bolt, AS_OF - 3 * DAY, channel="meeting")
    call(world.bolt, AS_OF - 2 * DAY, action=done)
    old = action(world.bolt, AS_OF - 40 * DAY, step="j+15")
    action(world.bolt, AS_OF - 20 * DAY, channel="letter", step="j+30")  # the run moved on
    cancelled = action(
        world.acme, AS_OF - 2 * DAY, status=ActionStatus.CANCELLED, channel="meeting"
    )
    future = action(world.acme, AS_OF + DAY, status=ActionStatus.PLANNED, channel="meeting")
    items = by_ref(items_of(world.manager, kinds=["call"]))
    assert set(items) == {f"action:{due.pk}"}
    item = items[f"action:{due.pk}"]
    assert item.reason == "phone call planned on 25/03/2025 (step j+15), not made yet"
    assert item.amount_minor == 1_234_567  # what the customer owes past due, not the action's
    assert item.url == f"/customers/{world.acme.pk}/call/?action={due.pk}&kind=call"
    assert f"action:{cancelled.pk}" not in items and f"action:{future.pk}" not in items
    assert f"action:{old.pk}" not in items


def test_call_task_of_a_customer_who_paid_everything_drops_off(world: Desk) -> None:
    action(world.acme, AS_OF - DAY)
    world.led.payment(world.acme, "12345.67", on=AS_OF - DAY, pays=[world.acme_invoice])
    assert items_of(world.manager, kinds=["call"]) == []


def test_call_backs_due_without_a_later_call(world: Desk) -> None:
    wanted = call(world.acme, AS_OF - 3 * DAY, "call_back", call_back_on=AS_OF, note="busy")
    call(world.bolt, AS_OF - 5 * DAY, "call_back", call_back_on=AS_OF - 2 * DAY)
    call(world.bolt, AS_OF - DAY, "no_answer")  # the call back was made
    items = items_of(world.manager, kinds=["call_back"])
    assert [i.ref for i in items] == [f"call:{wanted.pk}"]
    assert items[0].reason == "call back due today (call of 28/03/2025: call back on a date)"
    assert items[0].amount_minor == 1_234_567


def test_broken_promises_recent_and_not_followed_up(world: Desk) -> None:
    broken = promise(world.acme, 420_000, AS_OF - 3 * DAY, status="broken", settled_on=AS_OF - DAY)
    followed = promise(
        world.bolt, 100_000, AS_OF - 9 * DAY, status="broken", settled_on=AS_OF - 7 * DAY
    )
    call(world.bolt, AS_OF - 6 * DAY, "reached")
    promise(world.acme, 50_000, AS_OF - 80 * DAY, status="broken", settled_on=AS_OF - 70 * DAY)
    partly = promise(
        world.bolt,
        200_000,
        AS_OF - 2 * DAY,
        status="broken",
        settled_on=AS_OF,
        paid_minor=50_000,
        taken_on=AS_OF - 20 * DAY,
    )
    items = by_ref(items_of(world.manager, kinds=["broken_promise"]))
    assert set(items) == {f"promise:{broken.pk}", f"promise:{partly.pk}"}
    assert items[f"promise:{broken.pk}"].reason == "promise of €4,200.00 broken yesterday"
    assert items[f"promise:{partly.pk}"].reason == (
        "promise of €2,000.00 broken today (€500.00 received)"
    )
    assert items[f"promise:{partly.pk}"].amount_minor == 150_000
    assert f"promise:{followed.pk}" not in items
    # a payment plan agreed since is a follow-up too
    plan(world.acme, [(AS_OF + 30 * DAY, 420_000, "due")], agreed_on=AS_OF)
    assert f"promise:{broken.pk}" not in by_ref(items_of(world.manager, kinds=["broken_promise"]))


def test_promises_due_today_tomorrow_or_past_and_not_judged(world: Desk) -> None:
    tomorrow = promise(world.acme, 100_000, AS_OF + DAY)
    today = promise(world.bolt, 30_000, AS_OF)
    late = promise(world.bolt, 20_000, AS_OF - DAY)
    later = promise(world.acme, 100_000, AS_OF + 5 * DAY)
    promise(world.acme, 100_000, AS_OF, status="kept", settled_on=AS_OF)
    items = by_ref(items_of(world.manager, kinds=["promise_due"]))
    assert set(items) == {f"promise:{p.pk}" for p in (tomorrow, today, late)}
    assert items[f"promise:{tomorrow.pk}"].reason == "promise of €1,000.00 due tomorrow"
    assert items[f"promise:{today.pk}"].reason == "promise of €300.00 due today"
    assert items[f"promise:{late.pk}"].reason == (
        "promise of €200.00 was due yesterday: payment not seen yet"
    )
    assert f"promise:{later.pk}" not in items


def test_missed_instalments_after_the_grace_days(world: Desk) -> None:
    made = plan(
        world.acme,
        [
            (AS_OF - 49 * DAY, 35_000, "paid"),
            (AS_OF - 19 * DAY, 35_000, "due"),  # 12/03, grace 5 days passed: missed
            (AS_OF - 2 * DAY, 35_000, "due"),  # within the grace days
        ],
        agreed_on=AS_OF - 60 * DAY,
    )
    marked = plan(
        world.bolt,
        [(AS_OF - 10 * DAY, 50_000, "missed"), (AS_OF + 20 * DAY, 50_000, "due")],
        agreed_on=AS_OF - 40 * DAY,
        status="breached",
    )
    PaymentPlan.objects.filter(pk=marked.pk).update(ended_on=AS_OF - 4 * DAY)
    plan(
        world.bolt,
        [(AS_OF - 100 * DAY, 50_000, "missed")],
        agreed_on=AS_OF - 150 * DAY,
        status="completed",
    )
    items = items_of(world.manager, kinds=["missed_instalment"])
    reasons = {i.reason for i in items}
    assert reasons == {
        "instalment 2 of 3 (€350.00) missed since 12/03/2025",
        "instalment 1 of 2 (€500.00) missed since 21/03/2025",
    }
    second = next(i for i in items if i.customer_id == world.acme.pk)
    assert second.amount_minor == 35_000 and second.due == AS_OF - 19 * DAY
    assert made.pk  # the plan whose instalment is shown


def test_disputes_by_their_date_overdue_first(world: Desk) -> None:
    late = dispute(
        world.acme, world.acme_invoice, 100_000, opened_on=AS_OF - 20 * DAY, due_on=AS_OF - 5 * DAY
    )
    soon = dispute(
        world.bolt, world.bolt_invoice, 100_000, opened_on=AS_OF - 2 * DAY, due_on=AS_OF + 10 * DAY
    )
    undated = dispute(world.bolt, world.bolt_invoice, 5_000, opened_on=AS_OF - 3 * DAY)
    resolved = dispute(world.acme, world.acme_invoice, 1_000, opened_on=AS_OF - 9 * DAY)
    resolved.status, resolved.resolution, resolved.resolved_on = "resolved", "paid", AS_OF
    resolved.save()
    items = items_of(world.manager, kinds=["dispute"])
    # overdue first: 1 000 € × 1.5 (5 days late), then 1 000 € × 0.5 (not yet due), then
    # 50 € × 1.3 (counted from its opening, 3 days ago)
    assert [i.ref for i in items] == [f"dispute:{d.pk}" for d in (late, soon, undated)]
    reasons = {i.ref: i.reason for i in items}
    assert reasons[f"dispute:{late.pk}"] == (
        "dispute (quantity) to resolve by 26/03/2025: 5 days overdue"
    )
    assert reasons[f"dispute:{soon.pk}"] == (
        "dispute (quantity) opened on 29/03/2025, to resolve by 10/04/2025"
    )
    assert "no date set" in reasons[f"dispute:{undated.pk}"]


def test_plan_requested_on_a_call_and_none_since(world: Desk) -> None:
    asked = call(world.acme, AS_OF - 4 * DAY, "plan_requested")
    call(world.bolt, AS_OF - 6 * DAY, "plan_requested")
    plan(world.bolt, [(AS_OF + 30 * DAY, 10_000, "due")], agreed_on=AS_OF - 2 * DAY)
    items = items_of(world.manager, kinds=["plan_requested"])
    assert [i.ref for i in items] == [f"call:{asked.pk}"]
    assert items[0].reason == "payment plan requested on the call of 27/03/2025, none proposed yet"


def test_approvals_are_for_credit_managers_only(world: Desk) -> None:
    review = action(
        world.acme,
        AS_OF,
        channel="registered_letter",
        status=ActionStatus.NEEDS_APPROVAL,
        step="j+45",
        kind="formal_notice",
    )
    asked = promise(world.acme, 500_000, AS_OF + 60 * DAY, taken_on=AS_OF)
    request = ApprovalRequest.objects.create(
        creditor=world.led.creditor,
        customer=world.acme,
        kind="promise",
        promise=asked,
        why="60 days, the margin is 30",
        requested_by=world.alice,
    )
    ApprovalRequest.objects.filter(pk=request.pk).update(created_at=moment(AS_OF))
    manager = by_ref(items_of(world.manager))
    assert manager[f"action:{review.pk}"].kind == "review"
    assert manager[f"action:{review.pk}"].reason == (
        "formal notice by registered letter of 31/03/2025 awaiting approval (step j+45)"
    )
    assert manager[f"action:{review.pk}"].url == "/reminders/?date=2025-03-31"
    assert manager[f"approval:{request.pk}"].reason == (
        "extension or promise beyond the margin asked by alice today: 60 days, the margin is 30"
    )
    assert manager[f"approval:{request.pk}"].amount_minor == 500_000
    alice = {i.kind for i in items_of(world.alice)}
    assert not alice & {"review", "approval"}
    assert not {i.kind for i in items_of(world.reader)} & {"review", "approval"}


# --------------------------------------------------------------------------- links


def test_each_line_links_to_the_page_where_it_is_acted_on(world: Desk, client: Client) -> None:
    task = action(world.acme, AS_OF - 6 * DAY)
    meeting = action(world.bolt, AS_OF - 2 * DAY, channel="meeting")
    call_back = call(world.acme, AS_OF - 3 * DAY, "call_back", call_back_on=AS_OF)
    asked = call(world.bolt, AS_OF - 4 * DAY, "plan_requested")
    broken = promise(world.acme, 420_000, AS_OF - 3 * DAY, status="broken", settled_on=AS_OF)
    due = promise(world.bolt, 30_000, AS_OF)
    missed = plan(world.acme, [(AS_OF - 19 * DAY, 35_000, "due")], agreed_on=AS_OF - 60 * DAY)
    contested = dispute(world.bolt, world.bolt_invoice, 100_000, opened_on=AS_OF - 9 * DAY)
    # (older than the call task, which a later action would supersede)
    review = action(
        world.acme, AS_OF - 10 * DAY, status=ActionStatus.NEEDS_APPROVAL, channel="letter"
    )
    request = ApprovalRequest.objects.create(
        creditor=world.led.creditor,
        customer=world.bolt,
        kind="promise",
        promise=due,
        why="60 days, the margin is 30",
        requested_by=world.alice,
    )
    items = by_ref(items_of(world.manager))
    [instalment] = missed.instalments.all()
    acme, bolt = world.acme.pk, world.bolt.pk
    expected = {
        f"action:{task.pk}": f"/customers/{acme}/call/?action={task.pk}&kind=call",
        f"action:{meeting.pk}": f"/customers/{bolt}/call/?action={meeting.pk}&kind=meeting",
        f"call:{call_back.pk}": f"/customers/{acme}/call/",
        f"call:{asked.pk}": f"/customers/{bolt}/plan/",
        f"promise:{broken.pk}": f"/customers/{acme}/#negotiation-promises",
        f"promise:{due.pk}": f"/customers/{bolt}/#negotiation-promises",
        f"instalment:{instalment.pk}": f"/plans/{missed.pk}/",
        f"dispute:{contested.pk}": f"/disputes/{contested.pk}/",
        f"action:{review.pk}": "/reminders/?date=2025-03-21",
        f"approval:{request.pk}": f"/approvals/#approval-{request.pk}",
    }
    assert {ref: items[ref].url for ref in expected} == expected
    # each page opens, with the anchor the link points to and the task chosen in the form
    client.force_login(world.manager)
    for ref, url in expected.items():
        path, _hash, anchor = url.partition("#")
        response = client.get(path)
        assert response.status_code == 200, (ref, url, response.status_code)
        html = response.content.decode()
        if anchor:
            assert f'id="{anchor}"' in html, (ref, anchor)
        if "action=" in url:
            assert f'<option value="{ref.split(":")[1]}" selected>' in html, ref
    called = client.get(f"/customers/{bolt}/call/", {"action": str(meeting.pk), "kind": "meeting"})
    assert '<option value="meeting" selected>' in called.content.decode()


def test_the_call_screen_chooses_the_latest_task_unless_one_is_named(
    world: Desk, client: Client
) -> None:
    older = action(world.acme, AS_OF - 6 * DAY)
    latest = action(world.acme, AS_OF - 2 * DAY)
    client.force_login(world.manager)
    html = client.get(f"/customers/{world.acme.pk}/call/").content.decode()
    assert f'<option value="{latest.pk}" selected>' in html
    html = client.get(f"/customers/{world.acme.pk}/call/", {"action": older.pk}).content.decode()
    assert f'<option value="{older.pk}" selected>' in html
    assert f'<option value="{latest.pk}" selected>' not in html
    # a task carried out meanwhile (or not this customer's) chooses none rather than another
    html = client.get(f"/customers/{world.acme.pk}/call/", {"action": "999999"}).content.decode()
    assert " selected>" not in html.split('id="action"')[1].split("</select>")[0]


# --------------------------------------------------------------------------- scope


def test_a_collector_sees_only_their_customers_and_the_team_filters_by_collector(
    world: Desk,
) -> None:
    promise(world.acme, 100_000, AS_OF)
    promise(world.bolt, 100_000, AS_OF)
    assert {i.customer_id for i in items_of(world.alice)} == {world.acme.pk}
    assert {i.customer_id for i in items_of(world.bob)} == {world.bolt.pk}
    assert {i.customer_id for i in items_of(world.manager)} == {world.acme.pk, world.bolt.pk}
    only_bob = items_of(world.manager, collector_id=world.bob.pk)
    assert {i.customer_id for i in only_bob} == {world.bolt.pk}
    assert only_bob[0].collector == "bob"
    # a collector cannot widen their scope with the collector filter
    assert {i.customer_id for i in items_of(world.alice, collector_id=world.bob.pk)} == {
        world.acme.pk
    }
    other = Ledger.create("Autre SA")
    stranger = other.customer("Stranger SAS")
    promise(stranger, 100_000, AS_OF)
    assert stranger.pk not in {i.customer_id for i in items_of(world.manager)}


# --------------------------------------------------------------------------- ranking


def test_urgency_and_score_formula() -> None:
    assert urgency(-1) == Decimal("0.5")
    assert urgency(0) == Decimal("1")
    assert urgency(7) == Decimal("1.7")
    assert urgency(30) == urgency(400) == Decimal("4")
    # 1 000,00 € ten days late at a chronic late payer: 1000 × 2.0 × 1.5
    assert score(100_000, "EUR", 10, "chronic_late") == Decimal("3000.00")
    assert score(100_000, "EUR", -1, "good_payer") == Decimal("400.00")  # 1000 × 0.5 × 0.8
    assert score(100_000, "EUR", 0, None) == Decimal("1000.00")  # no profile: risk 1
    assert score(100_000, "JPY", 0, "avoider") == Decimal("200000.00")  # yen have no cents


def test_ranking_weighs_amount_urgency_and_risk(world: Desk, ledger: Ledger) -> None:
    big_safe = world.led.customer("Grand Compte SA")
    small_avoider = world.led.customer("Fuyant SARL")
    risk(big_safe, "good_payer")
    risk(small_avoider, "avoider")

    def item(customer: Any, minor: int, days_late: int, ref: str) -> WorkItem:
        return WorkItem(
            "promise_due", customer.pk, "EUR", minor, AS_OF - days_late * DAY, "", "", ref
        )

    ranked = rank(
        [
            item(big_safe, 500_000, -1, "big-not-due"),  # 5000 × 0.5 × 0.8 = 2000
            item(small_avoider, 100_000, 30, "small-late"),  # 1000 × 4 × 2 = 8000
            item(world.acme, 300_000, 7, "mid"),  # 3000 × 1.7 × 1 = 5100
            item(world.bolt, 200_000, 0, "tie-a"),  # 2000 × 1 × 1 = 2000, older than big
        ],
        AS_OF,
    )
    assert [i.ref for i in ranked] == ["small-late", "mid", "tie-a", "big-not-due"]
    assert [i.score for i in ranked] == [
        Decimal("8000.00"),
        Decimal("5100.00"),
        Decimal("2000.00"),
        Decimal("2000.00"),
    ]
    assert ranked[0].segment == "avoider" and ranked[0].risk == Decimal("2.0")
    assert ranked[0].customer_name == "Fuyant SARL" and ranked[0].days_late == 30


# --------------------------------------------------------------------------- registry, queries


def test_a_new_source_plugs_in_with_one_line(world: Desk) -> None:
    def replies(creditor: Any, as_of: Any, customer_ids: Any) -> list[WorkItem]:
        return [
            WorkItem("reply", c, "EUR", 1000, as_of, "reply to handle", "/", f"reply:{c}")
            for c in creditor.customers.filter(pk__in=customer_ids).values_list("pk", flat=True)
        ]

    worklist.register("reply", "replies to handle", replies)
    try:
        assert {i.kind for i in items_of(world.alice)} == {"reply"}
        assert ("reply", "replies to handle") in worklist.kinds()
        assert items_of(world.alice, kinds=["call"]) == []
    finally:
        del worklist.SOURCES["reply"]


def _populate(led: Ledger, desk_: Desk, n: int, prefix: str) -> None:
    for k in range(n):
        c = led.customer(f"Bulk {prefix}{k:03d}", assigned_collector=desk_.alice)
        inv = led.invoice(c, f"{prefix}-{k:04d}", "900.00", issued="2025-01-01", due="2025-01-31")
        action(c, AS_OF - 2 * DAY)
        call(c, AS_OF - 3 * DAY, "call_back", call_back_on=AS_OF)
        promise(c, 10_000, AS_OF - 5 * DAY, status="broken", settled_on=AS_OF - DAY)
        promise(c, 10_000, AS_OF + DAY, taken_on=AS_OF - 2 * DAY)
        plan(c, [(AS_OF - 20 * DAY, 10_000, "missed")], agreed_on=AS_OF - 50 * DAY)
        dispute(c, inv, 10_000, opened_on=AS_OF - 4 * DAY, due_on=AS_OF)
        call(c, AS_OF - 4 * DAY, "plan_requested")


def test_the_number_of_queries_does_not_grow_with_the_customers(world: Desk) -> None:
    _populate(world.led, world, 3, "A")
    with CaptureQueriesContext(connection) as few:
        small = items_of(world.manager)
    _populate(world.led, world, 12, "B")
    with CaptureQueriesContext(connection) as many:
        large = items_of(world.manager)
    assert len(large) > len(small) >= 3 * 7
    assert len(many.captured_queries) == len(few.captured_queries)
