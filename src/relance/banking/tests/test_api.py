"""POST /api/bank-statements and GET /api/bank-statements (real database, bearer tokens)."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from relance.api.tests.conftest import Api, Team
from relance.banking.models import BankLine
from relance.banking.tests import fixtures


def upload(
    api: Api, data: bytes, name: str = "feb.xml", query: str = "", mapping: str | None = None
) -> Any:
    body: dict[str, Any] = {
        "file": SimpleUploadedFile(name, data, content_type="application/octet-stream")
    }
    if mapping is not None:
        body["mapping"] = mapping
    return api.client.post(f"/api/bank-statements{query}", body, headers=api.headers)


def test_upload_detects_the_format_and_reports(team: Team) -> None:
    response = upload(team.manager, fixtures.camt053())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] and body["kind"] == "camt" and body["new_lines"] == 4
    assert body["returns"][0]["reason"] == "AM04"
    assert BankLine.objects.count() == 4
    again = upload(team.manager, fixtures.camt053()).json()
    assert again["duplicate_file"] and again["statements"][0]["duplicate"]
    listed = team.reader.get("/bank-statements").json()
    assert listed["count"] == 1 and listed["items"][0]["lines"] == 4
    assert listed["items"][0]["closing_balance"] == "950.00"


def test_dry_run_writes_nothing(team: Team) -> None:
    response = upload(team.admin, fixtures.cfonb_statement(), "r.txt", "?dry_run=true&kind=cfonb")
    assert response.status_code == 200, response.content
    assert response.json()["dry_run"] is True and response.json()["new_lines"] == 2
    assert not BankLine.objects.exists()


def test_bad_file_is_422_with_field_and_line(team: Team) -> None:
    response = upload(team.admin, fixtures.camt053(amount="1.234"))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    [error] = body["errors"]
    assert error["field"] == "Amt" and isinstance(error["line"], int)
    assert "more decimals" in error["message"]
    assert not BankLine.objects.exists()


def test_wrong_account_and_unknown_format(team: Team) -> None:
    wrong = upload(team.admin, fixtures.camt053(), query="?account=DE89370400440532013000")
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "account"
    unknown = upload(team.admin, b"hello", "x.bin")
    assert unknown.status_code == 422
    bad_kind = upload(team.admin, fixtures.camt053(), query="?kind=mt940")
    assert bad_kind.status_code == 422


def test_only_importers_upload(team: Team) -> None:
    assert upload(team.reader, fixtures.camt053()).status_code == 403
    assert upload(team.alice, fixtures.camt053()).status_code == 403
    assert upload(Api(None), fixtures.camt053()).status_code == 401
    assert not BankLine.objects.exists()


def test_csv_with_a_json_mapping(team: Team) -> None:
    data = b"Date;Montant\n28/02/2025;1 200,00\n"
    query = "?kind=csv&account=FR7630006000011234567890189"
    ok = upload(team.admin, data, "b.csv", query, '{"date": "Date", "amount": "Montant"}')
    assert ok.status_code == 200, ok.content
    assert ok.json()["new_lines"] == 1
    assert BankLine.objects.get().amount_minor == 120000
    for mapping, message in [
        (None, "needs its column mapping"),
        ("{oops", "not JSON"),
        ("[1]", "expected a JSON object"),
        ('{"date": "Date"}', "amount column"),
        ('{"date": "Date", "amount": "Nope"}', "no column 'Nope'"),
    ]:
        refused = upload(team.admin, data, "b.csv", query, mapping)
        assert refused.status_code == 422, (mapping, refused.content)
        assert message in refused.json()["errors"][0]["message"]
