"""POST /api/runs, GET /api/runs, GET /api/actions, POST /api/actions/decide."""

from __future__ import annotations

import pytest

from relance.api.tests.conftest import Team
from relance.dunning.models import Action, ActionStatus, Run

pytestmark = pytest.mark.django_db


def _portfolio(team: Team) -> None:
    led = team.led
    acme = led.customer("ACME", assigned_collector=team.users["alice"])
    bolt = led.customer("Bolt", assigned_collector=team.users["bob"])
    led.invoice(acme, "F-1", "120.00", issued="2025-03-01", due="2025-03-31")
    led.invoice(bolt, "F-2", "80.00", issued="2025-03-01", due="2025-03-31")


def test_plan_then_the_same_date_again(team: Team) -> None:
    _portfolio(team)
    preview = team.reader.post("/runs", {"as_of": "2025-04-01", "dry_run": True})
    assert preview.status_code == 200, preview.content
    assert preview.json()["actions"] == 2 and preview.json()["run"] is None
    assert not Run.objects.exists()
    first = team.manager.post("/runs", {"as_of": "2025-04-01"})
    assert first.status_code == 200
    body = first.json()
    assert body["already_planned"] is False and body["by_step"] == {"j+1": 2}
    again = team.admin.post("/runs", {"as_of": "2025-04-01"}).json()
    assert again["already_planned"] is True and again["run"] == body["run"]
    runs = team.reader.get("/runs").json()
    assert runs["count"] == 1 and runs["items"][0]["actions"] == 2


def test_back_dated_run_is_422(team: Team) -> None:
    _portfolio(team)
    team.admin.post("/runs", {"as_of": "2025-04-02"})
    response = team.admin.post("/runs", {"as_of": "2025-04-01"})
    assert response.status_code == 422
    assert "back-dated" in response.json()["message"]


@pytest.mark.parametrize("who", ["alice", "reader"])
def test_only_managers_plan_and_decide(team: Team, who: str) -> None:
    _portfolio(team)
    api = getattr(team, who)
    assert api.post("/runs", {"as_of": "2025-04-01"}).status_code == 403
    decision = {"actions": [1], "decision": "approve"}
    assert api.post("/actions/decide", decision).status_code == 403


def test_collectors_list_their_customers_actions_only(team: Team) -> None:
    _portfolio(team)
    team.admin.post("/runs", {"as_of": "2025-04-01"})
    mine = team.alice.get("/actions", as_of="2025-04-01").json()
    assert [a["items"][0]["number"] for a in mine["items"]] == ["F-1"]
    item = mine["items"][0]
    assert (item["step"], item["channel"], item["total"]) == ("j+1", "email", "120.00")
    assert item["items"][0]["advances"] is True
    assert team.admin.get("/actions", status="planned").json()["count"] == 2


def test_decide_skip_needs_a_reason(team: Team) -> None:
    _portfolio(team)
    team.admin.post("/runs", {"as_of": "2025-04-01"})
    Action.objects.update(status=ActionStatus.NEEDS_APPROVAL)
    ids = list(Action.objects.values_list("pk", flat=True))
    refused = team.manager.post("/actions/decide", {"actions": ids, "decision": "skip"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    done = team.manager.post(
        "/actions/decide", {"actions": ids, "decision": "skip", "reason": "litige"}
    )
    assert done.json() == {"changed": 2}
    assert set(Action.objects.values_list("status", flat=True)) == {ActionStatus.SKIPPED}
    bad = team.manager.post("/actions/decide", {"actions": ids, "decision": "maybe"})
    assert bad.status_code == 422


def test_a_run_reports_the_daily_jobs_that_failed_before_it(team: Team) -> None:
    from datetime import date

    from relance.creditors.models import Creditor
    from relance.dunning.tick import register_daily, unregister_daily

    _portfolio(team)

    def broken(creditor: Creditor, day: date) -> None:
        raise ValueError("the promise table is unreadable")

    register_daily("test.broken", broken, before_plan=True)
    try:
        body = team.manager.post("/runs", {"as_of": "2025-04-01"}).json()
    finally:
        unregister_daily("test.broken")
    assert body["failed_jobs"] == {"test.broken": "ValueError: the promise table is unreadable"}
    assert body["actions"] == 2  # planned all the same
