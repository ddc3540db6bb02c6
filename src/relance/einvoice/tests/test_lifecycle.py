"""Lifecycle statuses: effects on dunning and payments, the API route, the CSV import and
the invoice page (real database)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Q
from django.test import Client

from relance.accounts.models import Role
from relance.api.tests.conftest import api_for
from relance.dunning.models import Pause
from relance.einvoice.lifecycle import lift_pauses, payment_announced, record
from relance.einvoice.lifecycle_csv import import_lifecycle
from relance.einvoice.models import EINVOICE_SOURCE, LifecycleEvent
from relance.ledger.models import Allocation, Invoice
from relance.testing import Ledger


def paused_on(invoice: Invoice, day: str) -> bool:
    """As the dunning run reads pauses: no end date, or an end date on or after the day."""
    on = date.fromisoformat(day)
    return (
        Pause.objects.filter(invoice=invoice)
        .filter(Q(until__isnull=True) | Q(until__gte=on))
        .exists()
    )


@pytest.fixture
def invoice(ledger: Ledger) -> Invoice:
    acme = ledger.customer("ACME")
    return ledger.invoice(acme, "F-1", "1200.00", issued="2026-10-01", due="2026-10-31")


@pytest.mark.parametrize("code", [207, 208, 210])
def test_dispute_suspension_refusal_pause_dunning(invoice: Invoice, code: int) -> None:
    done = record(invoice, code, date(2026, 11, 5), note="quantité contestée")
    assert done.recorded and done.paused
    pause = Pause.objects.get(invoice=invoice)
    assert pause.until is None and str(code) in pause.reason and "quantité" in pause.reason
    assert done.event.pause == pause
    assert paused_on(invoice, "2026-11-20")


@pytest.mark.parametrize("lifting", [205, 209, 212])
def test_later_status_lifts_the_pause(invoice: Invoice, lifting: int) -> None:
    record(invoice, 207, date(2026, 11, 5))
    record(invoice, 208, date(2026, 11, 6))  # still paused: no second pause
    assert Pause.objects.filter(invoice=invoice).count() == 1
    done = record(invoice, lifting, date(2026, 11, 10))
    assert done.lifted == 1
    assert Pause.objects.get(invoice=invoice).until == date(2026, 11, 9)
    assert paused_on(invoice, "2026-11-09") and not paused_on(invoice, "2026-11-10")
    # a new dispute after the lift pauses again
    assert record(invoice, 207, date(2026, 11, 20)).paused
    assert paused_on(invoice, "2026-11-25")


def test_status_pause_lifted_by_hand(ledger: Ledger, invoice: Invoice) -> None:
    record(invoice, 207, date(2026, 11, 5))
    assert lift_pauses(invoice, date(2026, 11, 7)) == 1
    assert not paused_on(invoice, "2026-11-07") and paused_on(invoice, "2026-11-06")
    assert lift_pauses(invoice, date(2026, 11, 8)) == 0
    record(invoice, 208, date(2026, 11, 9))
    admin = api_for(ledger.user("admin", Role.ADMIN), ledger)
    r = admin.post(f"/invoices/{invoice.pk}/lifecycle/lift", {"date": "2026-11-12"})
    assert r.status_code == 200 and r.json() == {"lifted": 1}
    assert not paused_on(invoice, "2026-11-12")
    reader = api_for(ledger.user("reader", Role.READ_ONLY), ledger)
    r = reader.post(f"/invoices/{invoice.pk}/lifecycle/lift", {"date": "2026-11-12"})
    assert r.status_code == 403
    assert admin.post(f"/invoices/{invoice.pk}/lifecycle/lift", {}).status_code == 422


def test_pause_by_hand_is_not_lifted(invoice: Invoice) -> None:
    Pause.objects.create(creditor=invoice.creditor, invoice=invoice, reason="by hand")
    assert record(invoice, 205, date(2026, 11, 10)).lifted == 0
    assert paused_on(invoice, "2026-12-01")


def test_cashed_records_the_open_amount(ledger: Ledger, invoice: Invoice) -> None:
    ledger.payment(invoice.customer, "200.00", on="2026-10-15", pays=[invoice])
    done = record(invoice, 212, date(2026, 11, 2))
    assert done.payment is not None
    assert done.payment.amount_minor == 100000 and done.payment.source == EINVOICE_SOURCE
    assert str(done.payment.date) == "2026-11-02"
    allocation = Allocation.objects.get(payment=done.payment)
    assert allocation.invoice == invoice and allocation.source == EINVOICE_SOURCE
    invoice.refresh_from_db()
    assert invoice.is_paid
    # nothing left: a second 212 (another day) records no payment
    assert record(invoice, 212, date(2026, 11, 3)).payment is None


def test_payment_announced(invoice: Invoice) -> None:
    assert payment_announced(invoice) is None
    record(invoice, 211, date(2026, 11, 1))
    announced = payment_announced(invoice)
    assert announced is not None and announced.date == date(2026, 11, 1)
    record(invoice, 212, date(2026, 11, 4))
    assert payment_announced(invoice) is None


def test_same_status_same_day_is_kept_once(invoice: Invoice) -> None:
    assert record(invoice, 212, date(2026, 11, 2)).recorded
    again = record(invoice, 212, date(2026, 11, 2))
    assert not again.recorded and again.payment is None
    assert LifecycleEvent.objects.count() == 1 and Allocation.objects.count() == 1


# --- API ------------------------------------------------------------------------------------


def test_api_records_and_lists(ledger: Ledger, invoice: Invoice) -> None:
    admin = api_for(ledger.user("admin", Role.ADMIN), ledger)
    path = f"/invoices/{invoice.pk}/lifecycle"
    r = admin.post(path, {"code": 207, "date": "2026-11-05", "note": "litige"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["recorded"] and body["pause"] and body["source"] == "api"
    assert admin.post(path, {"code": 207, "date": "2026-11-05"}).status_code == 200
    admin.post(path, {"code": 211, "date": "2026-11-06"})
    listed = admin.get(path).json()
    assert [e["code"] for e in listed["items"]] == [207, 211]
    assert listed["payment_announced"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": 199, "date": "2026-11-05"}, "code"),
        ({"code": 214, "date": "2026-11-05"}, "code"),
        ({"code": "207", "date": "2026-11-05"}, "code"),
        ({"code": 207, "date": "05/11/2026"}, "date"),
        ({"code": 207}, "date"),
        ({"code": 207, "date": "2026-11-05", "note": "x" * 501}, "note"),
    ],
)
def test_api_refuses_bad_input(ledger: Ledger, invoice: Invoice, body: Any, field: str) -> None:
    admin = api_for(ledger.user("admin", Role.ADMIN), ledger)
    r = admin.post(f"/invoices/{invoice.pk}/lifecycle", body)
    assert r.status_code == 422
    assert field in {e["field"] for e in r.json()["errors"]}
    assert not LifecycleEvent.objects.exists()


def test_api_roles_and_scope(ledger: Ledger, invoice: Invoice) -> None:
    body = {"code": 212, "date": "2026-11-05"}
    reader = api_for(ledger.user("reader", Role.READ_ONLY), ledger)
    collector = api_for(ledger.user("alice", Role.COLLECTOR), ledger)
    assert reader.post(f"/invoices/{invoice.pk}/lifecycle", body).status_code == 403
    # the collector does not even see an invoice of a customer not assigned to them
    assert collector.post(f"/invoices/{invoice.pk}/lifecycle", body).status_code == 404
    other = Ledger.create("Autre SAS", siren="443061841")
    outsider = api_for(other.user("admin2", Role.ADMIN), other)
    assert outsider.post(f"/invoices/{invoice.pk}/lifecycle", body).status_code == 404
    assert outsider.get(f"/invoices/{invoice.pk}/lifecycle").status_code == 404
    assert not LifecycleEvent.objects.exists()


# --- CSV ------------------------------------------------------------------------------------


def test_csv_import_in_date_order(ledger: Ledger, invoice: Invoice, tmp_path: Path) -> None:
    path = tmp_path / "statuts.csv"
    path.write_text(
        "invoice;status;date;note\n"
        "F-1;205;2026-11-10;accord\n"
        "F-1;207;2026-11-05;litige\n"
        "F-1;212;12/11/2026;\n",
        encoding="utf-8",
    )
    result = import_lifecycle(ledger.creditor, path)
    assert result.ok, result.errors
    assert (result.rows, result.recorded, result.paused, result.lifted, result.payments) == (
        3,
        3,
        1,
        1,
        1,
    )
    assert LifecycleEvent.objects.filter(source="csv").count() == 3
    again = import_lifecycle(ledger.creditor, path)
    assert (again.recorded, again.unchanged) == (0, 3)


def test_csv_bad_rows_write_nothing(ledger: Ledger, invoice: Invoice, tmp_path: Path) -> None:
    path = tmp_path / "statuts.csv"
    path.write_text(
        "invoice,status,date\nF-1,207,2026-11-05\nF-404,212,2026-11-05\nF-1,299,2026-11-05\n"
        "F-1,207,yesterday\n,207,2026-11-05\n",
        encoding="utf-8",
    )
    result = import_lifecycle(ledger.creditor, path)
    assert [(e.line, e.field) for e in result.errors] == [
        (3, "invoice"),
        (4, "status"),
        (5, "date"),
        (6, "invoice"),
    ]
    assert "no invoice F-404" in result.errors[0].message
    assert not LifecycleEvent.objects.exists() and not Pause.objects.exists()


def test_csv_missing_column_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    from relance.core.errors import BadInput

    path = tmp_path / "statuts.csv"
    path.write_text("invoice;note\nF-1;x\n", encoding="utf-8")
    with pytest.raises(BadInput, match="missing column"):
        import_lifecycle(ledger.creditor, path)


# --- page -----------------------------------------------------------------------------------


def test_invoice_page_lists_statuses_and_announced_payment(
    ledger: Ledger, invoice: Invoice
) -> None:
    record(invoice, 207, date(2026, 11, 5), note="quantité contestée")
    record(invoice, 211, date(2026, 11, 8))
    client = Client()
    client.force_login(ledger.user("admin", Role.ADMIN))  # type: ignore[arg-type]
    page = client.get(f"/invoices/{invoice.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Lifecycle statuses" in text and "207 disputed" in text
    assert "quantité contestée" in text and "Payment announced" in text


def test_invoice_page_in_french(ledger: Ledger, invoice: Invoice) -> None:
    record(invoice, 207, date(2026, 11, 5))
    client = Client()
    client.force_login(ledger.user("admin", Role.ADMIN))  # type: ignore[arg-type]
    text = client.get(f"/invoices/{invoice.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Statuts du cycle de vie" in text and "207 En litige" in text
