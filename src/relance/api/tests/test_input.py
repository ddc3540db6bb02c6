"""Input refused before it reaches the database: out-of-range ids, odd dates, unreadable bodies."""

from __future__ import annotations

from relance.api.tests.conftest import Team


def test_out_of_range_ids_are_422(team: Team) -> None:
    for path in ("/customers/99999999999999999999", "/invoices/0", "/payments/-1"):
        response = team.admin.get(path)
        assert response.status_code == 422, (path, response.content)
        assert response.json()["code"] == "invalid"
    response = team.admin.get("/allocations", credit_note="136541460186064559800320")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "credit_note"
    assert team.admin.get("/customers", offset="14851632684989526016").status_code == 422


def test_dates_must_be_iso(team: Team) -> None:
    for value in ("0", "1700000000", "15/03/2025", "2025-3-1"):
        response = team.admin.get("/aging", as_of=value)
        assert response.status_code == 422, value
    customer = team.led.customer("ACME")
    body = {
        "customer": customer.pk,
        "number": "F-1",
        "issue_date": 0,
        "total_incl_tax": "10.00",
    }
    response = team.admin.post("/invoices", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "issue_date"


def test_unreadable_body_is_422(team: Team) -> None:
    response = team.admin.client.post(
        "/api/customers",
        b"\x00not json",
        content_type="application/json",
        headers=team.admin.headers,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_body_must_be_an_object(team: Team) -> None:
    customer = team.led.customer("ACME")
    response = team.admin.post(f"/customers/{customer.pk}/contacts", [None, None])
    assert response.status_code == 422, response.content
    response = team.admin.patch(f"/customers/{customer.pk}", [None, None])
    assert response.status_code == 422, response.content
    assert not customer.contacts.exists()


def test_empty_amount_is_422(team: Team) -> None:
    customer = team.led.customer("ACME")
    response = team.admin.post(
        "/payments", {"customer": customer.pk, "date": "2025-01-01", "amount": ""}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "amount"
