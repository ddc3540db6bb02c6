"""POST /api/imports/{kind}: a file through the import service (dry run, errors, roles)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relance.api.tests.conftest import Team
from relance.customers.models import Customer

pytest.importorskip("relance.imports.service")

GOOD = "external_ref;legal_name;siren\nC1;Boulangerie Martin;732829320\nC2;Garage Moreau;\n"
BAD = "external_ref;legal_name;siren\nC1;Boulangerie Martin;732829320\nC2;Garage Moreau;123\n"


def _post(team_api: object, kind: str, text: str, **params: str) -> object:
    client: Client = team_api.client  # type: ignore[attr-defined]
    query = "&".join(f"{k}={v}" for k, v in params.items())
    upload = SimpleUploadedFile("clients.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post(
        f"/api/imports/{kind}?{query}",
        {"file": upload},
        headers=team_api.headers,  # type: ignore[attr-defined]
    )


def test_dry_run_writes_nothing(team: Team) -> None:
    response = _post(team.manager, "customers", GOOD, dry_run="true")
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["ok"] is True and body["dry_run"] is True
    assert body["result"]["rows"] == 2
    assert not Customer.objects.exists()


def test_import_applies(team: Team) -> None:
    response = _post(team.admin, "customers", GOOD)
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    assert response.json()["result"]["created"] == 2  # type: ignore[attr-defined]
    assert set(Customer.objects.values_list("external_ref", flat=True)) == {"C1", "C2"}


def test_bad_rows_are_422_with_line_and_field(team: Team) -> None:
    response = _post(team.admin, "customers", BAD)
    assert response.status_code == 422, response.content  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["code"] == "invalid"
    error = body["errors"][0]
    assert error["line"] == 3 and error["field"] == "siren" and error["message"]
    assert not Customer.objects.exists()


def test_only_managers_import(team: Team) -> None:
    for api in (team.alice, team.reader):
        assert _post(api, "customers", GOOD).status_code == 403  # type: ignore[attr-defined]
    assert not Customer.objects.exists()


def test_unknown_kind_and_missing_file_are_422(team: Team) -> None:
    assert _post(team.admin, "widgets", GOOD).status_code == 422  # type: ignore[attr-defined]
    response = team.admin.client.post("/api/imports/customers", {}, headers=team.admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


def test_empty_file_is_422(team: Team) -> None:
    response = _post(team.admin, "customers", "")
    assert response.status_code == 422, response.content  # type: ignore[attr-defined]
    assert response.json()["errors"][0]["message"]  # type: ignore[attr-defined]


def test_oversized_file_is_422_before_reading(team: Team, settings: object) -> None:
    settings.RELANCE_IMPORT_MAX_BYTES = 20  # type: ignore[attr-defined]
    response = _post(team.admin, "customers", GOOD)
    assert response.status_code == 422, response.content  # type: ignore[attr-defined]
    error = response.json()["errors"][0]  # type: ignore[attr-defined]
    assert (error["field"], error["code"]) == ("file", "file_too_large")
    assert not Customer.objects.exists()
