"""GET /api/worklist and GET /api/customers/{id}/timeline: scope, filters, bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from relance.api.tests.conftest import Api, api_for
from relance.negotiation.models import Note
from relance.negotiation.tests.factories import AS_OF, Desk, action, desk, dispute, promise
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def world(ledger: Ledger) -> Desk:
    made = desk(ledger)
    promise(made.acme, 420_000, AS_OF - 3 * DAY, status="broken", settled_on=AS_OF - DAY)
    dispute(made.bolt, made.bolt_invoice, 100_000, opened_on=AS_OF - 9 * DAY, due_on=AS_OF)
    action(made.bolt, AS_OF - 2 * DAY)
    Note.objects.create(creditor=ledger.creditor, customer=made.acme, text="Rappeler lundi")
    return made


def client(world: Desk, user: Any) -> Api:
    return api_for(user, world.led)


def test_worklist_of_a_collector_and_of_the_team(world: Desk) -> None:
    alice = client(world, world.alice)
    body = alice.get("/worklist", as_of=AS_OF.isoformat()).json()
    assert body["as_of"] == "2025-03-31" and body["count"] == 1
    (item,) = body["items"]
    assert item["kind"] == "broken_promise"
    assert item["customer"] == world.acme.pk and item["customer_name"] == "ACME Industries SAS"
    assert item["amount"] == "4200.00" and item["currency"] == "EUR"
    assert item["reason"] == "promise of €4,200.00 broken yesterday"
    assert item["days_late"] == 3 and item["score"] == "5460.00"
    assert item["collector"] == world.alice.pk
    manager = client(world, world.manager)
    body = manager.get("/worklist", as_of=AS_OF.isoformat()).json()
    assert [i["kind"] for i in body["items"]] == ["broken_promise", "call", "dispute"]
    body = manager.get("/worklist", as_of=AS_OF.isoformat(), collector=world.bob.pk).json()
    assert {i["customer"] for i in body["items"]} == {world.bolt.pk}
    body = manager.get("/worklist", as_of=AS_OF.isoformat(), kind="dispute,call").json()
    assert [i["kind"] for i in body["items"]] == ["call", "dispute"]


def test_worklist_bad_filters(world: Desk) -> None:
    alice = client(world, world.alice)
    response = alice.get("/worklist", kind="nonsense")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"
    # approvals are for credit managers: an unknown kind to a collector
    assert alice.get("/worklist", kind="review").status_code == 422
    assert alice.get("/worklist", collector=world.bob.pk).status_code == 403
    assert alice.get("/worklist", collector=world.alice.pk).status_code == 200
    manager = client(world, world.manager)
    response = manager.get("/worklist", collector=world.manager.pk)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "collector"
    assert manager.get("/worklist", as_of="31/03/2025").status_code == 422


def test_timeline_with_filters(world: Desk) -> None:
    alice = client(world, world.alice)
    body = alice.get(f"/customers/{world.acme.pk}/timeline").json()
    assert body["customer"] == world.acme.pk and body["count"] == len(body["events"]) >= 4
    kinds = {e["kind"] for e in body["events"]}
    assert {"invoice", "promise", "note"} <= kinds
    body = alice.get(f"/customers/{world.acme.pk}/timeline", kinds="promise").json()
    assert [e["title"] for e in body["events"]] == [
        "Promise of €4,200.00 broken",
        "Promise to pay €4,200.00 by 28/03/2025 taken",
    ]
    assert body["events"][0]["amount"] == "4200.00"
    body = alice.get(
        f"/customers/{world.acme.pk}/timeline",
        **{"kinds": ["invoice", "promise"], "from": "2025-03-25", "to": "2025-03-31"},
    ).json()
    assert [e["on"] for e in body["events"]] == ["2025-03-30"]


def test_timeline_bad_input_and_access(world: Desk) -> None:
    alice = client(world, world.alice)
    assert alice.get(f"/customers/{world.bolt.pk}/timeline").status_code == 404
    response = alice.get(f"/customers/{world.acme.pk}/timeline", kinds="bogus")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "kinds"
    response = alice.get(
        f"/customers/{world.acme.pk}/timeline", **{"from": "2025-03-31", "to": "2025-03-01"}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "to"
    response = alice.get(f"/customers/{world.acme.pk}/timeline", **{"from": "demain"})
    assert response.status_code == 422
    reader = client(world, world.reader)
    assert reader.get(f"/customers/{world.bolt.pk}/timeline").status_code == 200
