"""Customers and contacts: roles, visibility, validation (422), conflicts (409)."""

from __future__ import annotations

from relance.api.tests.conftest import Team
from relance.customers.models import Contact, Customer, CustomerStatus
from relance.domain.identifiers import french_vat


def _fields(response: object) -> dict[str, str]:
    assert response.status_code == 422, response.content  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["code"] == "invalid"
    return {e["field"]: e["message"] for e in body["errors"]}


def test_create_customer_normalises_identifiers(team: Team) -> None:
    response = team.admin.post(
        "/customers",
        {
            "legal_name": "ACME SAS",
            "external_ref": "C-1",
            "siret": "732 829 320 00074",
            "vat_number": "fr 44 732829320",
            "postal_code": "69002",
            "country": "fr",
            "credit_limit": "15 000,50",
            "websites": ["https://acme.example", " "],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["siren"] == "732829320"  # taken from the SIRET
    assert body["siret"] == "73282932000074"
    assert body["vat_number"] == "FR44732829320"
    assert body["country"] == "FR"
    assert body["credit_limit"] == "15000.50"
    assert body["websites"] == ["https://acme.example"]
    saved = Customer.objects.get(pk=body["id"])
    assert saved.creditor_id == team.led.creditor.pk
    assert saved.credit_limit_minor == 1500050


def test_bad_siren_is_422_with_the_field(team: Team) -> None:
    fields = _fields(team.admin.post("/customers", {"legal_name": "X", "siren": "123456789"}))
    assert "siren" in fields and "123456789" in fields["siren"]
    assert not Customer.objects.filter(legal_name="X").exists()


def test_every_field_error_is_reported_at_once(team: Team) -> None:
    fields = _fields(
        team.admin.post(
            "/customers",
            {
                "legal_name": "X",
                "siren": "123",
                "vat_number": "FR00",
                "country": "France",
                "currency": "euro",
                "credit_limit": "-5",
            },
        )
    )
    assert {"siren", "vat_number", "country", "currency"} <= fields.keys()


def test_vat_of_another_siren_is_refused(team: Team) -> None:
    fields = _fields(
        team.admin.post(
            "/customers",
            {"legal_name": "X", "siren": "732829320", "vat_number": french_vat("552100554")},
        )
    )
    assert fields.keys() == {"vat_number"}


def test_schema_errors_name_the_field(team: Team) -> None:
    fields = _fields(team.admin.post("/customers", {"siren": "732829320"}))
    assert "legal_name" in fields
    fields = _fields(team.admin.get("/customers", limit=0))
    assert "limit" in fields


def test_negative_credit_limit_is_refused(team: Team) -> None:
    fields = _fields(team.admin.post("/customers", {"legal_name": "X", "credit_limit": "-5"}))
    assert "credit_limit" in fields


def test_duplicate_reference_is_409(team: Team) -> None:
    team.led.customer("First", external_ref="C-9")
    response = team.manager.post("/customers", {"legal_name": "Second", "external_ref": "C-9"})
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "external_ref"


def test_who_may_create_customers(team: Team) -> None:
    assert team.manager.post("/customers", {"legal_name": "M"}).status_code == 201
    for api in (team.alice, team.reader):
        response = api.post("/customers", {"legal_name": "Z"})
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    assert not Customer.objects.filter(legal_name="Z").exists()


def test_collector_sees_only_assigned_customers(team: Team) -> None:
    mine = team.led.customer("Alice client", assigned_collector=team.users["alice"])
    other = team.led.customer("Bob client", assigned_collector=team.users["bob"])
    nobody = team.led.customer("Unassigned")
    listed = {c["id"] for c in team.alice.get("/customers").json()["items"]}
    assert listed == {mine.pk}
    assert team.alice.get(f"/customers/{mine.pk}").status_code == 200
    assert team.alice.get(f"/customers/{other.pk}").status_code == 404
    assert team.alice.get(f"/customers/{nobody.pk}").status_code == 404
    assert team.alice.patch(f"/customers/{other.pk}", {"notes": "x"}).status_code == 404
    everyone = {c["id"] for c in team.reader.get("/customers").json()["items"]}
    assert everyone == {mine.pk, other.pk, nobody.pk}


def test_search_filters_and_pages(team: Team) -> None:
    a = team.led.customer("Boulangerie Martin", siren="732829320", segment="retail")
    b = team.led.customer("Garage Martin", status=CustomerStatus.ON_HOLD, segment="auto")
    c = team.led.customer("Dupont SA", external_ref="DUP-1", segment="retail")
    team.led.invoice(c, "F-1", "100.00", issued="2025-01-01", due="2025-01-31")
    team.led.invoice(a, "F-2", "100.00", issued="2025-01-01", due="2025-03-31")

    def ids(**params: object) -> list[int]:
        response = team.admin.get("/customers", **params)
        assert response.status_code == 200, response.content
        return [x["id"] for x in response.json()["items"]]

    assert ids(q="martin") == [a.pk, b.pk]
    assert ids(q="732829") == [a.pk]
    assert ids(q="dup-1") == [c.pk]
    assert ids(status="on_hold") == [b.pk]
    assert ids(segment="retail") == [a.pk, c.pk]
    assert ids(overdue="true", as_of="2025-02-15") == [c.pk]
    assert ids(overdue="true", as_of="2025-04-01") == [a.pk, c.pk]
    page = team.admin.get("/customers", limit=2, offset=1).json()
    assert page["count"] == 3 and page["limit"] == 2 and page["offset"] == 1
    assert [x["id"] for x in page["items"]] == [c.pk, b.pk]


def test_patch_changes_only_given_fields(team: Team) -> None:
    customer = team.led.customer("ACME", city="Lyon", notes="old")
    response = team.admin.patch(f"/customers/{customer.pk}", {"notes": "new", "siren": "732829320"})
    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert (customer.notes, customer.city, customer.siren) == ("new", "Lyon", "732829320")
    fields = _fields(team.admin.patch(f"/customers/{customer.pk}", {"siret": "55210055400013"}))
    assert "siret" in fields  # belongs to another SIREN


def test_collector_may_edit_details_but_not_assignment(team: Team) -> None:
    customer = team.led.customer("ACME", assigned_collector=team.users["alice"])
    assert team.alice.patch(f"/customers/{customer.pk}", {"notes": "called"}).status_code == 200
    refused = team.alice.patch(
        f"/customers/{customer.pk}", {"assigned_collector": team.users["bob"].pk}
    )
    assert refused.status_code == 403
    customer.refresh_from_db()
    assert customer.assigned_collector_id == team.users["alice"].pk
    assert team.reader.patch(f"/customers/{customer.pk}", {"notes": "x"}).status_code == 403


def test_assigning_an_outsider_is_422(team: Team) -> None:
    from relance.testing import Ledger

    stranger = Ledger.create("Other", siren="552100554").user("stranger")
    customer = team.led.customer("ACME")
    fields = _fields(
        team.admin.patch(f"/customers/{customer.pk}", {"assigned_collector": stranger.pk})
    )
    assert "assigned_collector" in fields


def test_contacts_crud(team: Team) -> None:
    customer = team.led.customer("ACME", assigned_collector=team.users["alice"])
    created = team.alice.post(
        f"/customers/{customer.pk}/contacts",
        {
            "first_name": "Léa",
            "email": " Lea@Example.COM ",
            "phone": "04 72 00 00 00",
            "is_primary_billing": True,
        },
    )
    assert created.status_code == 201, created.content
    first = created.json()
    assert first["phone"] == "+33472000000"
    second = team.alice.post(
        f"/customers/{customer.pk}/contacts", {"last_name": "Roy", "is_primary_billing": True}
    ).json()
    assert Contact.objects.get(pk=first["id"]).is_primary_billing is False
    assert Contact.objects.get(pk=second["id"]).is_primary_billing is True
    listed = team.alice.get(f"/customers/{customer.pk}/contacts").json()
    assert listed["count"] == 2 and listed["items"][0]["id"] == second["id"]
    patched = team.alice.patch(f"/contacts/{first['id']}", {"job_title": "DAF"})
    assert patched.status_code == 200 and patched.json()["job_title"] == "DAF"
    assert team.bob.get(f"/contacts/{first['id']}").status_code == 404
    assert team.bob.delete(f"/contacts/{first['id']}").status_code == 404
    assert team.reader.delete(f"/contacts/{first['id']}").status_code == 403
    assert team.alice.delete(f"/contacts/{first['id']}").status_code == 204
    assert not Contact.objects.filter(pk=first["id"]).exists()


def test_bad_contact_details_are_422(team: Team) -> None:
    customer = team.led.customer("ACME")
    fields = _fields(
        team.admin.post(
            f"/customers/{customer.pk}/contacts",
            {"email": "not-an-email", "phone": "12", "postal_code": "ABC", "country": "FR"},
        )
    )
    assert {"email", "phone", "postal_code"} <= fields.keys()
    assert not Contact.objects.exists()
