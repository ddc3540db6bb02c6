"""Property-based calls on every operation (schemathesis): no server error, only
documented statuses, responses matching their schema, and negative data refused."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from relance.api.tests.conftest import Team
from relance.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def auth(team: Team) -> dict[str, str]:
    acme = team.led.customer("ACME")
    invoice = team.led.invoice(acme, "F-1", "100.00")
    team.led.payment(acme, "40.00", pays=[invoice])
    return team.admin.headers


@schema.parametrize()
@settings(max_examples=10, derandomize=True, suppress_health_check=list(HealthCheck), deadline=None)
def test_api(case: Any, auth: dict[str, str]) -> None:
    case.call_and_validate(headers=auth, checks=CHECKS)
