"""Property-based calls on the statement, evidence, manual-send, edit and preview operations,
against a customer that has open invoices, contacts and an action awaiting approval."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from relance.api.tests.conftest import Team
from relance.api.tests.test_schemathesis import CHECKS, schema
from relance.dunning.models import Action, ActionStatus

ours = schema.include(
    path_regex=r"^/api/(customers/\{customer_id\}/(statement|evidence|reminders)"
    r"|actions/\{action_id\}/(edit|preview))$"
)


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Any:
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth(team: Team) -> dict[str, str]:
    led = team.led
    acme = led.customer("ACME", address_line1="3 rue Neuve", postal_code="69001", city="Lyon")
    led.contact(acme, "compta@acme.example", first_name="Jeanne", mobile="+33612345678")
    invoice = led.invoice(acme, "F-1", "100.00", issued="2025-03-01", due="2025-03-31")
    led.payment(acme, "40.00", pays=[invoice])
    Action.objects.create(
        creditor=led.creditor,
        customer=acme,
        currency="EUR",
        as_of=invoice.due_date,
        step_key="j+45",
        step_offset=45,
        channel="registered_letter",
        tone="formal",
        kind="formal_notice",
        status=ActionStatus.NEEDS_APPROVAL,
        total_minor=6000,
        overdue_total_minor=6000,
        idempotency_key="test:waiting",
        listed=[[invoice.pk, "", 6000]],
    )
    return team.admin.headers


@ours.parametrize()
@settings(max_examples=15, derandomize=True, suppress_health_check=list(HealthCheck), deadline=None)
def test_sending_api(case: Any, auth: dict[str, str]) -> None:
    case.call_and_validate(headers=auth, checks=CHECKS)
