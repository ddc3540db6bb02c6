"""The debtor portal's self-service margin for payment plans: its defaults, the check of a
schedule against it, and who sets it (administrators only, on the margins page and through
the API), with bad values refused by field and nothing changed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from relance.accounts.models import Role
from relance.api.tests.conftest import api_for
from relance.core.errors import BadInput
from relance.negotiation.margins import (
    PORTAL_DEFAULTS,
    NotAllowed,
    PortalLimits,
    portal_margin_for,
    portal_plan_excess,
    set_portal_margin,
)
from relance.negotiation.models import PortalMargin
from relance.testing import Ledger
from relance.web.tests.conftest import login

pytestmark = pytest.mark.django_db

AGREED = date(2026, 3, 10)


def test_defaults_are_the_collectors_plan_margin(ledger: Ledger) -> None:
    assert portal_margin_for(ledger.creditor.pk) == PORTAL_DEFAULTS
    assert PortalLimits(True, 3, 90, 30, 0) == PORTAL_DEFAULTS


@pytest.mark.parametrize(
    ("rows", "currency", "why"),
    [
        ([(date(2026, 4, 9), 300), (date(2026, 5, 9), 300), (date(2026, 6, 8), 400)], "EUR", ""),
        (
            [(date(2026, 3, 20 + n), 100) for n in range(4)],
            "EUR",
            "debtor portal: 4 instalments, the margin is 3",
        ),
        (
            [(date(2026, 4, 10), 500), (date(2026, 5, 10), 500)],
            "EUR",
            "debtor portal: first instalment 31 days after the agreement, the margin is 30",
        ),
        (
            [(date(2026, 3, 20), 500), (date(2026, 6, 9), 500)],
            "EUR",
            "debtor portal: 91 days long, the margin is 90",
        ),
        (
            [(date(2026, 3, 20), 500), (date(2026, 4, 20), 501)],
            "EUR",
            "debtor portal: 10.01 EUR, the margin is 10.00 EUR",
        ),
        (
            [(date(2026, 3, 20), 5)],
            "CHF",
            "debtor portal: a plan in CHF, the amount margin is set in EUR (10.00 EUR)",
        ),
    ],
)
def test_portal_plan_excess(rows: list[tuple[date, int]], currency: str, why: str) -> None:
    limits = PortalLimits(True, 3, 90, 30, 1000)
    assert portal_plan_excess(limits, AGREED, rows, currency, "EUR") == why


def test_no_cap_and_switched_off() -> None:
    rows = [(date(2026, 3, 20), 10**12)]
    assert portal_plan_excess(PORTAL_DEFAULTS, AGREED, rows, "JPY", "EUR") == ""
    off = PortalLimits(False, 120, 3660, 365, 0)
    assert "switch is off" in portal_plan_excess(off, AGREED, rows, "EUR", "EUR")


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (PortalLimits(True, 0, 90, 30, 0), "portal max_instalments: 0 is not between 1 and 120"),
        (PortalLimits(True, 3, 0, 30, 0), "portal max_plan_days: 0 is not between 1 and 3660"),
        (PortalLimits(True, 3, 90, 400, 0), "portal first_within_days: 400 is not between 0"),
        (PortalLimits(True, 3, 90, 30, -1), "portal max_total_minor: -1 is not between 0"),
    ],
)
def test_bad_portal_margins_are_refused(ledger: Ledger, limits: PortalLimits, message: str) -> None:
    admin = ledger.user("admin")
    with pytest.raises(BadInput, match=message):
        set_portal_margin(ledger.creditor.pk, limits, user=admin)
    assert not PortalMargin.objects.exists()


@pytest.mark.parametrize("role", [Role.CREDIT_MANAGER, Role.COLLECTOR, Role.READ_ONLY])
def test_only_an_administrator_sets_it(ledger: Ledger, role: str) -> None:
    with pytest.raises(NotAllowed):
        set_portal_margin(ledger.creditor.pk, PORTAL_DEFAULTS, user=ledger.user("u", role))
    with pytest.raises(NotAllowed):
        set_portal_margin(ledger.creditor.pk, PORTAL_DEFAULTS, user=None)
    assert not PortalMargin.objects.exists()


def test_margins_page_sets_the_portal_margin(client: Client, ledger: Ledger) -> None:
    login(client, ledger.user("admin"))
    page = client.get("/settings/margins/").content.decode()
    assert 'name="portal-max_instalments" value="3"' in page
    assert 'id="portal-enabled" name="portal-enabled" checked' in page
    assert " style=" not in page and "<script>" not in page
    form = {
        "section": "portal",
        "portal-enabled": "on",
        "portal-max_instalments": "4",
        "portal-max_plan_days": "120",
        "portal-first_within_days": "15",
        "portal-max_total": "2500,50",
    }
    assert client.post("/settings/margins/", form).status_code == 302
    assert portal_margin_for(ledger.creditor.pk) == PortalLimits(True, 4, 120, 15, 250050)
    page = client.get("/settings/margins/").content.decode()
    assert 'name="portal-max_total" value="2500.50"' in page
    # unticked: switched off; an empty amount: no cap
    off = {**form, "portal-max_total": ""}
    del off["portal-enabled"]
    assert client.post("/settings/margins/", off).status_code == 302
    assert portal_margin_for(ledger.creditor.pk) == PortalLimits(False, 4, 120, 15, 0)
    # bad values: refused with the field, the form kept, nothing changed
    for change, text in (
        ({"portal-max_instalments": "many"}, "is not a whole number"),
        ({"portal-max_instalments": "0"}, "max_instalments: 0 is not between 1 and 120"),
        ({"portal-first_within_days": "-2"}, "first_within_days: -2 is not between 0 and 365"),
        ({"portal-max_total": "lots"}, "largest amount covered"),
        ({"portal-max_total": "-10"}, "largest amount covered"),
    ):
        bad = client.post("/settings/margins/", {**form, **change})
        assert bad.status_code == 422, change
        html = bad.content.decode()
        assert text in html, (change, html)
        assert 'name="portal-max_plan_days" value="120"' in html
    assert portal_margin_for(ledger.creditor.pk) == PortalLimits(False, 4, 120, 15, 0)
    # the role margins are saved by their own form, as before
    assert client.post("/settings/margins/", {"collector-max_instalments": "x"}).status_code == 422


@pytest.mark.parametrize("role", [Role.CREDIT_MANAGER, Role.COLLECTOR, Role.READ_ONLY])
def test_margins_page_refuses_others(client: Client, ledger: Ledger, role: str) -> None:
    login(client, ledger.user("someone", role))
    assert client.get("/settings/margins/").status_code == 403
    form = {"section": "portal", "portal-max_instalments": "12", "portal-max_plan_days": "900"}
    assert client.post("/settings/margins/", form).status_code == 403
    assert not PortalMargin.objects.exists()


def test_api_reads_and_sets_the_portal_margin(ledger: Ledger) -> None:
    body = {
        "enabled": True,
        "max_instalments": 6,
        "max_plan_days": 200,
        "first_within_days": 20,
        "max_total": "10000",
    }
    collector = api_for(ledger.user("alice", Role.COLLECTOR), ledger)
    got = collector.get("/negotiation-margins/portal")
    assert got.status_code == 200
    assert got.json() == {
        "enabled": True,
        "max_instalments": 3,
        "max_plan_days": 90,
        "first_within_days": 30,
        "max_total": "0.00",
        "currency": "EUR",
    }
    for user in (ledger.user("boss", Role.CREDIT_MANAGER), ledger.user("alice2", Role.COLLECTOR)):
        api = api_for(user, ledger)
        refused = api.client.put(
            "/api/negotiation-margins/portal",
            body,
            content_type="application/json",
            headers=api.headers,
        )
        assert refused.status_code == 403
    assert not PortalMargin.objects.exists()
    admin = api_for(ledger.user("admin"), ledger)

    def put(data: dict[str, object]) -> Any:
        return admin.client.put(
            "/api/negotiation-margins/portal",
            data,
            content_type="application/json",
            headers=admin.headers,
        )

    ok = put(body)
    assert ok.status_code == 200, ok.content
    assert ok.json()["max_total"] == "10000.00"
    assert portal_margin_for(ledger.creditor.pk) == PortalLimits(True, 6, 200, 20, 1000000)
    for change, field in (
        ({"max_instalments": 0}, "max_instalments"),
        ({"max_plan_days": 5000}, "max_plan_days"),
        ({"first_within_days": -1}, "first_within_days"),
        ({"max_total": "lots"}, "max_total"),
        ({"max_total": "-5"}, "max_total"),
        ({"enabled": "yes"}, "enabled"),
    ):
        bad = put({**body, **change})
        assert bad.status_code == 422, change
        assert field in bad.content.decode()
    assert portal_margin_for(ledger.creditor.pk) == PortalLimits(True, 6, 200, 20, 1000000)
    # the role margins are still listed and set as before ("portal" is not a role)
    roles = [m["role"] for m in admin.get("/negotiation-margins").json()]
    assert roles == ["collector", "credit_manager", "admin"]
