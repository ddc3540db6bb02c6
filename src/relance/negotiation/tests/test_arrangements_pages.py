"""Negotiation pages: forms from the customer page, refusals, the plan page, approvals,
margins, the SEPA file; access by role; no inline script or style."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from relance.accounts.models import Role
from relance.customers.models import Customer
from relance.negotiation.models import (
    ApprovalRequest,
    NegotiationMargin,
    PaymentPlan,
    PlanStatus,
    Promise,
    Settlement,
    SettlementStatus,
)
from relance.testing import Ledger
from relance.web.tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(ledger: Ledger) -> dict[str, object]:
    alice = ledger.user("alice", Role.COLLECTOR)
    bob = ledger.user("bob", Role.COLLECTOR)
    acme = ledger.customer("ACME SAS", assigned_collector=alice, city="Lyon")
    ledger.contact(acme, "ap@acme.example", first_name="Jeanne", is_primary_billing=True)
    today = timezone.localdate()
    f1 = ledger.invoice(acme, "F-1", "1000.00", issued=today, due=today)
    f2 = ledger.invoice(acme, "F-2", "500.00", issued=today, due=today)
    return {
        "admin": ledger.user("admin", Role.ADMIN),
        "boss": ledger.user("boss", Role.CREDIT_MANAGER),
        "alice": alice,
        "bob": bob,
        "reader": ledger.user("reader", Role.READ_ONLY),
        "acme": acme,
        "f1": f1,
        "f2": f2,
        "today": today,
    }


def no_inline(html: str) -> None:
    assert " style=" not in html and "<style" not in html
    assert "<script>" not in html and " onclick=" not in html


def d(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_customer_page_offers_the_three_forms_to_its_collector(
    client: Client, setup: dict[str, object]
) -> None:
    acme = setup["acme"]
    assert isinstance(acme, Customer)
    login(client, setup["alice"])
    page = client.get(f"/customers/{acme.pk}/").content.decode()
    assert 'id="negotiation"' in page
    for url in ("promise", "plan", "settlement"):
        assert f"/customers/{acme.pk}/{url}/" in page
        form = client.get(f"/customers/{acme.pk}/{url}/")
        assert form.status_code == 200
        no_inline(form.content.decode())


def test_take_a_promise_then_an_overlapping_one_is_refused(
    client: Client, setup: dict[str, object]
) -> None:
    acme = setup["acme"]
    assert isinstance(acme, Customer)
    login(client, setup["alice"])
    url = f"/customers/{acme.pk}/promise/"
    data = {"amount": "600,00", "promised_on": d(5), "taken_on": d(0), "channel": "call"}
    response = client.post(url, data)
    assert response.status_code == 302
    promise = Promise.objects.get()
    assert (promise.amount_minor, promise.taken_by) == (60000, setup["alice"])
    again = client.post(url, {**data, "invoices": [str(setup["f1"].pk)]})  # type: ignore[attr-defined]
    assert again.status_code == 422
    assert "already under pending promise" in again.content.decode()
    replaced = client.post(url, {**data, "replaces": str(promise.pk), "amount": "700"})
    assert replaced.status_code == 302
    assert Promise.objects.get(pk=promise.pk).status == "cancelled"
    page = client.get(f"/customers/{acme.pk}/").content.decode()
    assert "700,00" in page or "700.00" in page


def test_bad_promise_input_is_refused_with_the_field(
    client: Client, setup: dict[str, object]
) -> None:
    acme = setup["acme"]
    assert isinstance(acme, Customer)
    login(client, setup["alice"])
    response = client.post(
        f"/customers/{acme.pk}/promise/",
        {"amount": "abc", "promised_on": d(5), "taken_on": d(0)},
    )
    assert response.status_code == 422
    response = client.post(
        f"/customers/{acme.pk}/promise/",
        {"amount": "10", "promised_on": "demain", "taken_on": d(0)},
    )
    assert response.status_code == 422 and "demain" in response.content.decode()
    assert not Promise.objects.exists()


def test_other_collectors_and_readers_are_refused(client: Client, setup: dict[str, object]) -> None:
    acme = setup["acme"]
    assert isinstance(acme, Customer)
    login(client, setup["bob"])
    assert client.get(f"/customers/{acme.pk}/promise/").status_code == 404
    login(client, setup["reader"])
    assert client.get(f"/customers/{acme.pk}/plan/").status_code == 403
    page = client.get(f"/customers/{acme.pk}/").content.decode()
    assert f"/customers/{acme.pk}/plan/" not in page
    login(client, setup["alice"])
    assert client.get("/approvals/").status_code == 403
    assert client.get("/settings/margins/").status_code == 403
    assert client.get("/plans/sepa/").status_code == 403
    assert client.get("/settlements/write-offs.csv").status_code == 403


def test_plan_form_equal_instalments_then_save_and_plan_page(
    client: Client, setup: dict[str, object]
) -> None:
    acme = setup["acme"]
    assert isinstance(acme, Customer)
    login(client, setup["boss"])
    url = f"/customers/{acme.pk}/plan/"
    invoices = [str(setup["f1"].pk), str(setup["f2"].pk)]  # type: ignore[attr-defined]
    base = {"invoices": invoices, "agreed_on": d(0), "grace_days": "5", "remind_days_before": "3"}
    helper = client.post(
        url,
        {**base, "action": "equal", "count": "3", "first_on": "2030-01-31", "every_months": "1"},
    )
    html = helper.content.decode()
    assert helper.status_code == 200
    assert 'value="2030-02-28"' in html and 'value="500.00"' in html
    no_inline(html)
    wrong = client.post(
        url,
        {
            **base,
            "action": "save",
            "due_on": ["2030-01-31", "2030-02-28"],
            "row_amount": ["500", "500"],
        },
    )
    assert wrong.status_code == 422 and "add up to" in wrong.content.decode()
    disorder = client.post(
        url,
        {
            **base,
            "action": "save",
            "due_on": ["2030-02-28", "2030-01-31", "2030-03-31"],
            "row_amount": ["500", "500", "500"],
        },
    )
    assert disorder.status_code == 422 and "increase strictly" in disorder.content.decode()
    assert not PaymentPlan.objects.exists()
    saved = client.post(
        url,
        {
            **base,
            "action": "save",
            "due_on": [d(30), d(60), d(90)],
            "row_amount": ["500", "500", "500"],
            "penalties_waived": "on",
        },
    )
    plan = PaymentPlan.objects.get()
    assert saved["Location"] == f"/plans/{plan.pk}/"
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert 'id="plan-schedule"' in page and "waived while the plan is kept" in page
    no_inline(page)
    agreement = plan.agreements.get()
    pdf = client.get(f"/plans/{plan.pk}/agreements/{agreement.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    assert client.post(f"/plans/{plan.pk}/send/").status_code == 302
    agreement.refresh_from_db()
    assert agreement.action is not None and agreement.action.kind == "plan_agreement"
    client.post(f"/plans/{plan.pk}/cancel/", {"reason": ""})
    assert PaymentPlan.objects.get().status == PlanStatus.ACTIVE  # a reason is needed
    client.post(f"/plans/{plan.pk}/cancel/", {"reason": "paid at once"})
    assert PaymentPlan.objects.get().status == PlanStatus.CANCELLED


def test_collector_plan_beyond_margin_goes_to_the_approvals_queue(
    client: Client, setup: dict[str, object]
) -> None:
    acme = setup["acme"]
    assert isinstance(acme, Customer)
    login(client, setup["alice"])
    rows = [f"2030-{m:02d}-01" for m in range(1, 6)]
    client.post(
        f"/customers/{acme.pk}/plan/",
        {
            "invoices": [str(setup["f1"].pk), str(setup["f2"].pk)],  # type: ignore[attr-defined]
            "agreed_on": d(0),
            "action": "save",
            "due_on": rows,
            "row_amount": ["300"] * 5,
        },
    )
    plan = PaymentPlan.objects.get()
    assert plan.status == PlanStatus.NEEDS_APPROVAL
    request = ApprovalRequest.objects.get()
    # a collector cannot decide, even by posting directly
    assert (
        client.post(f"/approvals/{request.pk}/decide/", {"decision": "approve"}).status_code == 403
    )
    login(client, setup["boss"])
    queue = client.get("/approvals/").content.decode()
    assert "5 instalments, the margin is 3" in queue
    no_inline(queue)
    client.post(f"/approvals/{request.pk}/decide/", {"decision": "refuse", "note": ""})
    assert ApprovalRequest.objects.get().status == "pending"  # a refusal needs a note
    client.post(f"/approvals/{request.pk}/decide/", {"decision": "approve"})
    assert PaymentPlan.objects.get().status == PlanStatus.ACTIVE


def test_settlement_form_percent_and_beyond_margin(
    client: Client, setup: dict[str, object]
) -> None:
    acme = setup["acme"]
    assert isinstance(acme, Customer)
    login(client, setup["alice"])
    invoices = [str(setup["f1"].pk), str(setup["f2"].pk)]  # type: ignore[attr-defined]
    client.post(
        f"/customers/{acme.pk}/settlement/",
        {
            "invoices": invoices,
            "percent": "20",
            "offered_on": d(0),
            "valid_until": d(30),
            "penalties_waived": "on",
        },
    )
    s = Settlement.objects.get()
    assert (s.discount_minor, s.status) == (30000, SettlementStatus.NEEDS_APPROVAL)
    refused = client.post(
        f"/customers/{acme.pk}/settlement/",
        {"invoices": invoices, "discount": "1500", "offered_on": d(0), "valid_until": d(30)},
    )
    assert refused.status_code == 422 and "not below the amount owed" in refused.content.decode()


def test_margins_page_for_administrators(client: Client, setup: dict[str, object]) -> None:
    login(client, setup["admin"])
    page = client.get("/settings/margins/").content.decode()
    assert 'name="collector-max_instalments" value="3"' in page
    no_inline(page)
    data = {}
    for role, values in (
        ("collector", ("45", "4", "120", "7.5")),
        ("credit_manager", ("120", "12", "365", "30")),
        ("admin", ("365", "36", "1095", "99")),
    ):
        for field, value in zip(
            ("max_extension_days", "max_instalments", "max_plan_days", "max_discount_percent"),
            values,
            strict=True,
        ):
            data[f"{role}-{field}"] = value
    assert client.post("/settings/margins/", data).status_code == 302
    row = NegotiationMargin.objects.get(role="collector")
    assert (row.max_instalments, str(row.max_discount_percent)) == (4, "7.50")
    bad = client.post("/settings/margins/", {**data, "admin-max_discount_percent": "150"})
    assert bad.status_code == 422
    assert NegotiationMargin.objects.get(role="collector").max_instalments == 4
    login(client, setup["boss"])
    assert client.get("/settings/margins/").status_code == 403


def test_sepa_creditor_identifier_set_by_an_administrator(
    client: Client, setup: dict[str, object], ledger: Ledger
) -> None:
    login(client, setup["admin"])
    bad = client.post("/plans/sepa/", {"sepa_creditor_id": "FR00ZZZ123456"})
    assert bad.status_code == 422 and "not a valid SEPA creditor identifier" in bad.content.decode()
    assert client.post("/plans/sepa/", {"sepa_creditor_id": "fr72 zzz 123456"}).status_code == 302
    ledger.creditor.refresh_from_db()
    assert ledger.creditor.sepa_creditor_id == "FR72ZZZ123456"
    login(client, setup["boss"])
    assert client.post("/plans/sepa/", {"sepa_creditor_id": "FR72ZZZ123456"}).status_code == 403


def test_sepa_download_for_managers(
    client: Client, setup: dict[str, object], ledger: Ledger
) -> None:
    ledger.creditor.iban = "FR7630001007941234567890185"
    ledger.creditor.sepa_creditor_id = "FR72ZZZ123456"
    ledger.creditor.save()
    acme = setup["acme"]
    assert isinstance(acme, Customer)
    login(client, setup["boss"])
    client.post(
        f"/customers/{acme.pk}/plan/",
        {
            "invoices": [str(setup["f1"].pk), str(setup["f2"].pk)],  # type: ignore[attr-defined]
            "agreed_on": d(0),
            "action": "save",
            "due_on": [d(30), d(60)],
            "row_amount": ["750", "750"],
            "sepa_iban": "DE89370400440532013000",
            "sepa_mandate_ref": "M-1",
            "sepa_mandate_date": d(0),
        },
    )
    assert PaymentPlan.objects.get().sepa_mandate_ref == "M-1"
    got = client.get(f"/plans/sepa/?from={d(1)}&to={d(40)}")
    assert got["Content-Type"] == "application/xml"
    assert b"pain.008.001.08" in got.content and b"750.00" in got.content
    none = client.get("/plans/sepa/?from=2031-01-01&to=2031-01-31")
    assert none.status_code == 422
    assert f"<ReqdColltnDt>{d(30)}</ReqdColltnDt>" in got.content.decode()


def test_pages_in_french(client: Client, setup: dict[str, object]) -> None:
    from django.conf import settings

    acme = setup["acme"]
    assert isinstance(acme, Customer)
    login(client, setup["boss"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(f"/customers/{acme.pk}/").content.decode()
    assert "Proposer un échéancier" in page and "Négociation" in page
    form = client.get(f"/customers/{acme.pk}/plan/").content.decode()
    assert "Calculer des échéances égales" in form and "Prélèvement SEPA (facultatif)" in form
    assert "Validations" in client.get("/approvals/").content.decode()
