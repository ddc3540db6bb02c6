"""Invoices, credit notes, payments and allocations through the API."""

from __future__ import annotations

from relance.api.tests.conftest import Team
from relance.ledger.models import Allocation, CreditNote, Invoice, Payment


def _errors(response: object, status: int = 422) -> dict[str, str]:
    assert response.status_code == status, response.content  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["message"]
    return {e["field"]: e["message"] for e in body["errors"]}


def _invoice(
    customer_id: int, number: str = "F-100", total: object = "1200.00", **extra: object
) -> dict[str, object]:
    body = {
        "customer": customer_id,
        "number": number,
        "issue_date": "2025-01-10",
        "due_date": "2025-02-09",
        "total_incl_tax": total,
        **extra,
    }
    return body


def test_create_invoice_and_read_it_back(team: Team) -> None:
    customer = team.led.customer("ACME")
    response = team.manager.post(
        "/invoices", _invoice(customer.pk, total="1 234,50", total_excl_tax="1028.75")
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["total_incl_tax"] == "1234.50"
    assert body["total_excl_tax"] == "1028.75"
    assert body["open"] == "1234.50" and body["paid"] is False and body["allocations"] == []
    assert body["currency"] == "EUR" and body["source"] == "api"
    saved = Invoice.objects.get(pk=body["id"])
    assert saved.total_incl_tax_minor == 123450
    got = team.reader.get(f"/invoices/{saved.pk}").json()
    assert got["number"] == "F-100" and got["customer_name"] == "ACME"


def test_due_date_defaults_to_the_terms(team: Team) -> None:
    customer = team.led.customer("ACME", payment_terms_days=45)
    body = _invoice(customer.pk)
    del body["due_date"]
    response = team.admin.post("/invoices", body)
    assert response.status_code == 201
    assert response.json()["due_date"] == "2025-02-24"


def test_duplicate_invoice_number_is_409(team: Team) -> None:
    customer = team.led.customer("ACME")
    assert team.admin.post("/invoices", _invoice(customer.pk)).status_code == 201
    fields = _errors(team.admin.post("/invoices", _invoice(customer.pk, total="5.00")), 409)
    assert "number" in fields
    assert Invoice.objects.filter(number="F-100").count() == 1


def test_bad_invoice_amounts_and_dates_are_422(team: Team) -> None:
    customer = team.led.customer("ACME")
    assert "total_incl_tax" in _errors(
        team.admin.post("/invoices", _invoice(customer.pk, total="-10.00"))
    )
    assert "total_incl_tax" in _errors(
        team.admin.post("/invoices", _invoice(customer.pk, total="10.001"))
    )
    assert "total_incl_tax" in _errors(
        team.admin.post("/invoices", _invoice(customer.pk, total="abc"))
    )
    fields = _errors(team.admin.post("/invoices", _invoice(customer.pk, due_date="2025-01-01")))
    assert "due_date" in fields
    fields = _errors(team.admin.post("/invoices", _invoice(customer.pk, total=12.5)))
    assert "total_incl_tax" in fields  # a JSON number is refused: amounts are strings
    assert not Invoice.objects.exists()


def test_invoice_for_unseen_customer_is_404_and_roles_apply(team: Team) -> None:
    other = team.led.customer("Bob's", assigned_collector=team.users["bob"])
    assert team.alice.post("/invoices", _invoice(other.pk)).status_code == 403
    assert team.reader.post("/invoices", _invoice(other.pk)).status_code == 403
    assert team.admin.post("/invoices", _invoice(999999)).status_code == 404


def test_invoice_filters(team: Team) -> None:
    led = team.led
    acme = led.customer("ACME")
    beta = led.customer("Beta")
    not_due = led.invoice(acme, "A-1", "100.00", issued="2025-03-01", due="2025-03-31")
    late_10 = led.invoice(acme, "A-2", "200.00", issued="2025-02-01", due="2025-03-05")
    late_45 = led.invoice(beta, "B-1", "300.00", issued="2025-01-01", due="2025-01-30")
    paid = led.invoice(beta, "B-2", "50.00", issued="2025-01-01", due="2025-01-30")
    led.payment(beta, "50.00", on="2025-02-01", pays=[paid])

    def numbers(**params: object) -> list[str]:
        response = team.admin.get("/invoices", **params)
        assert response.status_code == 200, response.content
        return [i["number"] for i in response.json()["items"]]

    assert numbers(customer=acme.pk) == ["A-2", "A-1"]
    assert numbers(status="paid") == ["B-2"]
    assert numbers(status="open") == ["B-1", "A-2", "A-1"]
    assert numbers(bucket="not_due", as_of="2025-03-15") == ["A-1"]
    assert numbers(bucket="d1_30", as_of="2025-03-15") == ["A-2"]
    assert numbers(bucket="d31_60", as_of="2025-03-15") == ["B-1"]
    assert numbers(due_before="2025-03-05", due_after="2025-03-01") == ["A-2"]
    assert "bucket" in _errors(team.admin.get("/invoices", bucket="old"))
    assert "as_of" in _errors(team.admin.get("/invoices", bucket="d1_30", as_of="15/03"))
    del not_due, late_10, late_45


def test_collector_does_not_see_other_invoices(team: Team) -> None:
    mine = team.led.customer("A", assigned_collector=team.users["alice"])
    theirs = team.led.customer("B", assigned_collector=team.users["bob"])
    a = team.led.invoice(mine, "A-1")
    b = team.led.invoice(theirs, "B-1")
    assert [i["id"] for i in team.alice.get("/invoices").json()["items"]] == [a.pk]
    assert team.alice.get(f"/invoices/{b.pk}").status_code == 404
    pay = team.led.payment(theirs, "10.00")
    assert team.alice.get(f"/payments/{pay.pk}").status_code == 404
    assert team.alice.get("/payments").json()["count"] == 0


def test_payment_with_allocations_by_number_and_id(team: Team) -> None:
    acme = team.led.customer("ACME")
    one = team.led.invoice(acme, "F-1", "100.00")
    two = team.led.invoice(acme, "F-2", "300.00")
    response = team.admin.post(
        "/payments",
        {
            "customer": acme.pk,
            "date": "2025-02-01",
            "amount": "250.00",
            "external_ref": "BANK-1",
            "payer_iban": "FR76 3000 6000 0112 3456 7890 189",
            "allocations": [{"invoice": "F-1"}, {"invoice": two.pk, "amount": "150.00"}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["allocated"] == "250.00" and body["unallocated"] == "0.00"
    assert body["payer_iban"] == "FR7630006000011234567890189"
    assert [a["invoice_number"] for a in body["allocations"]] == ["F-1", "F-2"]
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.open_minor, two.open_minor) == (0, 15000)
    detail = team.admin.get(f"/invoices/{two.pk}").json()
    assert detail["open"] == "150.00"
    assert [a["amount"] for a in detail["allocations"]] == ["150.00"]
    again = team.admin.post(
        "/payments", {"date": "2025-02-01", "amount": "1.00", "external_ref": "BANK-1"}
    )
    assert again.status_code == 409


def test_over_allocation_is_422_and_writes_nothing(team: Team) -> None:
    acme = team.led.customer("ACME")
    team.led.invoice(acme, "F-1", "100.00")
    response = team.admin.post(
        "/payments",
        {
            "customer": acme.pk,
            "date": "2025-02-01",
            "amount": "500.00",
            "allocations": [{"invoice": "F-1", "amount": "150.00"}],
        },
    )
    fields = _errors(response)
    assert (
        "allocations.0" in fields and "more than invoice F-1 still owes" in fields["allocations.0"]
    )
    assert not Payment.objects.exists()


def test_allocations_create_list_delete(team: Team) -> None:
    acme = team.led.customer("ACME", assigned_collector=team.users["alice"])
    inv = team.led.invoice(acme, "F-1", "100.00")
    pay = team.led.payment(acme, "80.00", on="2025-02-01")
    over = team.alice.post(
        "/allocations", {"invoice": inv.pk, "payment": pay.pk, "amount": "90.00"}
    )
    message = _errors(over).get("") or over.json()["message"]
    assert "more than is left to allocate" in message
    both = team.alice.post("/allocations", {"invoice": inv.pk})
    assert "payment" in _errors(both)
    made = team.alice.post("/allocations", {"invoice": "F-1", "payment": pay.pk, "amount": "30.00"})
    assert made.status_code == 201, made.content
    allocation = made.json()
    assert allocation["amount"] == "30.00" and allocation["date"] == "2025-02-01"
    assert team.alice.get("/allocations", invoice=inv.pk).json()["count"] == 1
    assert team.bob.get("/allocations").json()["count"] == 0
    assert team.reader.delete(f"/allocations/{allocation['id']}").status_code == 403
    assert team.bob.delete(f"/allocations/{allocation['id']}").status_code == 404
    assert team.alice.delete(f"/allocations/{allocation['id']}").status_code == 204
    inv.refresh_from_db()
    assert inv.open_minor == 10000 and not Allocation.objects.exists()


def test_credit_note_applied_to_its_invoice(team: Team) -> None:
    acme = team.led.customer("ACME")
    inv = team.led.invoice(acme, "F-1", "100.00")
    response = team.admin.post(
        "/credit-notes",
        {
            "customer": acme.pk,
            "number": "AV-1",
            "issue_date": "2025-01-20",
            "total_incl_tax": "40.00",
            "invoice": "F-1",
            "reason": "damaged goods",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["invoice"] == inv.pk and body["unallocated"] == "0.00"
    inv.refresh_from_db()
    assert inv.open_minor == 6000
    assert (
        team.admin.get(f"/credit-notes/{body['id']}").json()["allocations"][0]["amount"] == "40.00"
    )
    assert team.admin.get("/credit-notes", customer=acme.pk).json()["count"] == 1
    duplicate = team.admin.post(
        "/credit-notes",
        {
            "customer": acme.pk,
            "number": "AV-1",
            "issue_date": "2025-01-20",
            "total_incl_tax": "1.00",
        },
    )
    assert duplicate.status_code == 409
    too_much = team.admin.post(
        "/credit-notes",
        {
            "customer": acme.pk,
            "number": "AV-2",
            "issue_date": "2025-01-20",
            "total_incl_tax": "80.00",
            "invoice": inv.pk,
        },
    )
    assert too_much.status_code == 201  # applies what the invoice still owes
    assert too_much.json()["unallocated"] == "20.00"
    over = team.admin.post(
        "/credit-notes",
        {
            "customer": acme.pk,
            "number": "AV-3",
            "issue_date": "2025-01-20",
            "total_incl_tax": "10.00",
            "invoice": inv.pk,
            "apply_amount": "10.00",
        },
    )
    assert over.status_code == 422  # the invoice is settled
    assert not CreditNote.objects.filter(number="AV-3").exists()
    refund = team.admin.post(
        "/credit-notes",
        {
            "customer": acme.pk,
            "number": "AV-4",
            "issue_date": "2025-01-20",
            "total_incl_tax": "10.00",
            "invoice": inv.pk,
        },
    )
    assert refund.status_code == 201, refund.content  # linked, nothing left to apply
    assert refund.json()["invoice"] == inv.pk and refund.json()["unallocated"] == "10.00"
