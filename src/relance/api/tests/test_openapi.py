"""The OpenAPI schema is valid JSON and documents every error each operation may give."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from relance.testing import Ledger

METHODS = ("get", "post", "put", "patch", "delete")


def _schema() -> dict[str, Any]:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema: dict[str, Any] = json.loads(response.content)
    return schema


def test_schema_is_valid_json_with_every_resource(db: None) -> None:
    schema = _schema()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for expected in (
        "/api/customers",
        "/api/customers/{customer_id}",
        "/api/customers/{customer_id}/contacts",
        "/api/contacts/{contact_id}",
        "/api/invoices",
        "/api/invoices/{invoice_id}",
        "/api/credit-notes",
        "/api/credit-notes/{credit_note_id}",
        "/api/payments",
        "/api/payments/{payment_id}",
        "/api/allocations",
        "/api/allocations/{allocation_id}",
        "/api/aging",
        "/api/imports/{kind}",
    ):
        assert expected in paths
    assert {"BearerToken", "Session"} <= set(schema["components"]["securitySchemes"])
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "errors"}


def test_every_operation_documents_its_errors(db: None) -> None:
    schema = _schema()
    seen = 0
    ids = set()
    for path, item in schema["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            seen += 1
            ids.add(op["operationId"])
            expected = {"401", "403", "422"}
            if "{" in path:
                expected.add("404")
            if method in ("post", "patch"):
                expected |= {"404", "409"}
            responses = op["responses"]
            assert expected <= set(responses), (method, path, sorted(responses))
            for status in expected:
                ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", (method, path, status)
            assert op.get("security"), (method, path)
    assert seen >= 23
    assert len(ids) == seen  # operation ids are unique


def test_docs_page_is_served(db: None) -> None:
    assert Client().get("/api/docs").status_code == 200


def test_error_bodies_follow_the_schema(ledger: Ledger) -> None:
    body = Client().get("/api/customers").json()
    assert set(body) == {"code", "message", "errors"}
