"""The reminders page: preview, plan today, the review queue, roles."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relance.dunning.models import Action, ActionStatus, Pause, Run
from relance.dunning.services import plan_run
from relance.web.tests.conftest import World, login

pytestmark = pytest.mark.django_db


def page(client: Client, day: str) -> str:
    response = client.get(reverse("reminders"), {"date": day})
    assert response.status_code == 200
    return response.content.decode()


def test_preview_writes_nothing_and_collectors_see_their_customers(
    client: Client, world: World
) -> None:
    Pause.objects.create(
        creditor=world.led.creditor, invoice=world.inv_bolt, reason="litige sur la livraison"
    )
    html = page(login(client, world.admin), "2025-04-01")
    assert "Preview" in html
    assert "ACME Industries SAS" in html and "F-2025-001" in html
    assert "litige sur la livraison" in html  # held back, with its reason
    assert not Run.objects.exists() and not Action.objects.exists()
    html = page(login(client, world.alice), "2025-04-01")
    assert "ACME Industries SAS" in html and "Boulonnerie Bolt SARL" not in html


def test_a_bad_date_is_reported_and_tomorrow_previewed(client: Client, world: World) -> None:
    login(client, world.admin)
    response = client.get(reverse("reminders"), {"date": "01/04/2025"})
    assert response.status_code == 200
    assert "“01/04/2025” is not a date (YYYY-MM-DD)." in response.content.decode()
    assert response.context["day"] == timezone.localdate() + timedelta(days=1)
    assert client.get(reverse("reminders")).context["day"] == response.context["day"]
    assert not Run.objects.exists()


def test_plan_today_then_the_saved_plan_is_shown(client: Client, world: World) -> None:
    login(client, world.admin)
    response = client.post(reverse("reminders_plan"))
    assert response.status_code == 302
    today = timezone.localdate()
    run = Run.objects.get(as_of=today)
    assert run.actions == Action.objects.filter(run=run).count() == 2
    html = page(client, today.isoformat())
    assert "Planned on" in html and "Boulonnerie Bolt SARL" in html
    assert "Plan today" not in html  # planned once


@pytest.mark.parametrize("who", ["alice", "reader"])
def test_only_managers_plan_and_decide(client: Client, world: World, who: str) -> None:
    login(client, getattr(world, who))
    assert client.post(reverse("reminders_plan")).status_code == 403
    assert client.post(reverse("reminders_decide"), {"decision": "approve"}).status_code == 403
    assert not Run.objects.exists()


def test_review_queue_needs_a_reason_to_skip(client: Client, world: World) -> None:
    day = date(2025, 4, 1)
    plan_run(world.led.creditor, day)
    action = Action.objects.get(customer=world.acme)
    Action.objects.filter(pk=action.pk).update(status=ActionStatus.NEEDS_APPROVAL)
    login(client, world.admin)
    html = page(client, day.isoformat())
    assert 'value="approve"' in html
    post = {"action": [action.pk], "decision": "skip", "reason": " ", "date": day.isoformat()}
    client.post(reverse("reminders_decide"), post)
    action.refresh_from_db()
    assert action.status == ActionStatus.NEEDS_APPROVAL
    post["reason"] = "client en procédure de conciliation"
    client.post(reverse("reminders_decide"), post)
    action.refresh_from_db()
    assert action.status == ActionStatus.SKIPPED
    assert action.reason == "client en procédure de conciliation"
    assert action.decided_by == world.admin and action.decided_at is not None
    # already decided: approving later changes nothing
    client.post(reverse("reminders_decide"), {**post, "decision": "approve"})
    action.refresh_from_db()
    assert action.status == ActionStatus.SKIPPED


def test_approve(client: Client, world: World) -> None:
    day = date(2025, 4, 1)
    plan_run(world.led.creditor, day)
    Action.objects.update(status=ActionStatus.NEEDS_APPROVAL)
    login(client, world.admin)
    ids = list(Action.objects.values_list("pk", flat=True))
    client.post(reverse("reminders_decide"), {"action": ids, "decision": "approve"})
    assert set(Action.objects.values_list("status", flat=True)) == {ActionStatus.PLANNED}


def test_page_in_french(client: Client, world: World) -> None:
    login(client, world.admin)
    response = client.get(reverse("reminders"), {"date": "2025-04-01"}, HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert "Relances du 01/04/2025" in html and "e-mail" in html and "courtois" in html


def test_plan_today_runs_the_jobs_before_the_plan_and_warns_of_a_failure(
    client: Client, world: World
) -> None:
    from relance.creditors.models import Creditor
    from relance.dunning.tick import register_daily, unregister_daily

    seen: list[date] = []

    def judged(creditor: Creditor, day: date) -> None:
        seen.append(day)

    def broken(creditor: Creditor, day: date) -> None:
        raise ValueError("the promise table is unreadable")

    register_daily("test.judged", judged, before_plan=True)
    register_daily("test.broken", broken, before_plan=True)
    try:
        login(client, world.admin)
        response = client.post(reverse("reminders_plan"), follow=True)
    finally:
        unregister_daily("test.judged")
        unregister_daily("test.broken")
    assert seen == [timezone.localdate()]
    html = response.content.decode()
    assert "The daily job test.broken failed" in html and "the promise table" in html
    assert Run.objects.filter(as_of=timezone.localdate()).exists()
