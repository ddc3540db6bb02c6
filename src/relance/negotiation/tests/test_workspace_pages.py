"""The worklist and timeline pages, the export, the landing page of a collector."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from relance.negotiation.models import Note
from relance.negotiation.tests.factories import AS_OF, Desk, action, desk, dispute, promise
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
Q = {"as_of": AS_OF.isoformat()}


@pytest.fixture
def world(ledger: Ledger) -> Desk:
    made = desk(ledger)
    promise(made.acme, 420_000, AS_OF - 3 * DAY, status="broken", settled_on=AS_OF - DAY)
    dispute(made.bolt, made.bolt_invoice, 100_000, opened_on=AS_OF - 9 * DAY, due_on=AS_OF)
    action(made.bolt, AS_OF - 2 * DAY)
    Note.objects.create(creditor=ledger.creditor, customer=made.acme, text="Rappeler lundi")
    return made


def page(client: Client, user: Any, name: str, *args: Any, **params: Any) -> str:
    client.force_login(user)
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_collector_worklist_shows_only_their_customers(client: Client, world: Desk) -> None:
    html = page(client, world.alice, "worklist", **Q)
    assert "ACME Industries SAS" in html and "Boulonnerie" not in html
    assert "promise of €4,200.00 broken yesterday" in html
    assert reverse("customer_timeline", args=[world.acme.pk]) in html
    assert 'id="collector"' not in html  # no team filter for a collector
    assert " style=" not in html and "<style" not in html and "<script>" not in html


def test_team_worklist_ranked_with_collector_filter(client: Client, world: Desk) -> None:
    html = page(client, world.manager, "worklist", **Q)
    assert "Team worklist" in html
    # ACME's broken promise 4 200 € × 1.3 (3 days late) = 5 460, BOLT's call 2 400 € × 1.2
    # (2 days) = 2 880, BOLT's dispute 1 000 € due today × 1.0 = 1 000
    rows = html.split('<tr data-kind="')[1:]
    assert [r.split('"')[0] for r in rows] == ["broken_promise", "call", "dispute"]
    assert 'id="collector"' in html
    html = page(client, world.manager, "worklist", collector=world.bob.pk, **Q)
    assert "Boulonnerie" in html and "ACME Industries" not in html
    html = page(client, world.manager, "worklist", kind="dispute", **Q)
    assert html.count('<tr data-kind="') == 1


def test_worklist_bad_filters_are_reported(client: Client, world: Desk) -> None:
    html = page(client, world.manager, "worklist", kind="nonsense", collector="999", **Q)
    assert "“nonsense” is not a kind of work" in html
    assert "Unknown collector" in html
    assert html.count('<tr data-kind="') == 3


def test_worklist_in_french(client: Client, world: Desk) -> None:
    client.force_login(world.alice)
    html = client.get(reverse("worklist"), Q, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Liste de travail" in html
    assert "promesse de 4\u202f200,00\xa0€ non tenue hier" in html


def test_a_collector_lands_on_the_worklist_and_a_manager_on_the_overview(
    client: Client, world: Desk
) -> None:
    response = client.post(reverse("login"), {"username": "alice", "password": "pw-relance-2025"})
    assert response["Location"] == reverse("worklist")
    client.logout()
    response = client.post(reverse("login"), {"username": "manager", "password": "pw-relance-2025"})
    assert response["Location"] == reverse("overview")
    html = client.get(reverse("overview")).content.decode()
    assert f'href="{reverse("worklist")}"' in html  # in the main menu


def test_timeline_page_filters_and_access(client: Client, world: Desk) -> None:
    html = page(client, world.alice, "customer_timeline", world.acme.pk)
    assert "Timeline of ACME Industries SAS" in html
    assert "Promise of €4,200.00 broken" in html and "Rappeler lundi" in html
    assert "Invoice F-ACME-1 issued" in html
    html = page(client, world.alice, "customer_timeline", world.acme.pk, kind="note")
    assert "Rappeler lundi" in html and "Invoice F-ACME-1" not in html
    html = page(client, world.alice, "customer_timeline", world.acme.pk, **{"from": "2025-02-01"})
    assert "Invoice F-ACME-1" not in html  # issued in January
    html = page(client, world.alice, "customer_timeline", world.acme.pk, kind="bogus", to="31/02")
    assert "Unknown kind of event: bogus." in html and "is not a date" in html
    # a collector never sees another collector's customer, nor its export
    assert client.get(reverse("customer_timeline", args=[world.bolt.pk])).status_code == 404
    export = reverse("customer_timeline_export", args=[world.bolt.pk, "csv"])
    assert client.get(export).status_code == 404
    client.force_login(world.manager)
    assert client.get(reverse("customer_timeline", args=[world.bolt.pk])).status_code == 200
    assert (
        client.get(reverse("customer_timeline_export", args=[world.acme.pk, "pdf"])).status_code
        == 404
    )


def test_timeline_export_csv_and_xlsx(client: Client, world: Desk) -> None:
    client.force_login(world.alice)
    url = reverse("customer_timeline_export", args=[world.acme.pk, "csv"])
    response = client.get(url, {"kind": "promise"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="timeline-{world.acme.pk}.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Date" and len(rows) == 3
    assert {r[2] for r in rows[1:]} == {"promises"}
    response = client.get(reverse("customer_timeline_export", args=[world.acme.pk, "xlsx"]))
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_customer_page_embeds_the_recent_timeline(client: Client, world: Desk) -> None:
    html = page(client, world.alice, "customer", world.acme.pk)
    assert 'id="recent-events"' in html and "Rappeler lundi" in html
    assert reverse("customer_timeline", args=[world.acme.pk]) in html
    assert "No reminder yet." in html  # the reminders table is still there
