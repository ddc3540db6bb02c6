"""Property-based calls on every operation (schemathesis): no server error, only
documented statuses, responses matching their schema, and negative data refused."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from relance.api.tests.conftest import Team

# A bare handler: relance.wsgi would run django.setup() again and re-bind logging to the
# output stream pytest captures at collection time.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Any:
    """As Django's test client does: requests must not close the test's database connection
    (on PostgreSQL that would end the transaction the test runs in)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


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
