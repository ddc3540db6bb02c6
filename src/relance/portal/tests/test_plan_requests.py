"""Payment plans asked for from the portal: active at once within the creditor's self-service
margin, awaiting a credit manager's approval beyond it (or when it is switched off); the
schedule still checked; the outcome and the agreement PDF shown to the debtor, scoped to the
link's customer; the approval decision as for any plan."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from relance.accounts.models import Role
from relance.core.errors import BadInput
from relance.domain.calendar import add_months
from relance.dunning.models import Pause
from relance.negotiation import approvals
from relance.negotiation.margins import portal_margin_for
from relance.negotiation.models import (
    ApprovalRequest,
    ApprovalStatus,
    PaymentPlan,
    PlanStatus,
    PortalMargin,
    Source,
)
from relance.negotiation.plans import APPROVAL_PAUSE_DAYS, equal_instalments, propose_plan
from relance.portal import requests
from relance.portal.models import EventKind, PortalEvent, PortalRequest, RequestStatus
from relance.portal.tests.conftest import Portal

pytestmark = pytest.mark.django_db


def _margin(portal: Portal, **fields: Any) -> PortalMargin:
    values: dict[str, Any] = {
        "enabled": True,
        "max_instalments": 3,
        "max_plan_days": 90,
        "first_within_days": 30,
        "max_total_minor": 0,
    }
    values.update(fields)
    return PortalMargin.objects.create(creditor=portal.led.creditor, **values)


def _ask(portal: Portal, instalments: int, first_in: int, invoices: Any = None) -> PortalRequest:
    return requests.record_plan_request(
        portal.link,
        invoices=invoices or [portal.late, portal.soon],
        instalments=instalments,
        first_date=portal.today + timedelta(days=first_in),
        today=portal.today,
    )


def _nothing_written() -> None:
    assert not PaymentPlan.objects.exists() and not PortalRequest.objects.exists()
    assert not Pause.objects.exists() and not ApprovalRequest.objects.exists()
    assert not PortalEvent.objects.filter(kind=EventKind.PLAN_REQUEST).exists()


def test_within_the_margin_the_plan_is_active_at_once(verified: Client, portal: Portal) -> None:
    first = portal.today + timedelta(days=7)
    response = verified.post(
        portal.url("plan/"),
        {
            "invoice": [portal.late.pk, portal.soon.pk],
            "instalments": "3",
            "first_date": str(first),
            "message": "Slow season.",
        },
    )
    assert response.status_code == 200, response.content.decode()
    html = response.content.decode()
    plan = PaymentPlan.objects.get()
    assert (plan.status, plan.channel, plan.created_by, plan.total_minor) == (
        PlanStatus.ACTIVE,
        Source.PORTAL,
        None,
        150000,
    )
    assert plan.note == "Slow season."
    rows = [(i.due_on, i.amount_minor) for i in plan.instalments.order_by("number")]
    assert rows == [(first, 50000), (add_months(first, 1), 50000), (add_months(first, 2), 50000)]
    # its pauses hold both invoices back until the last instalment plus the grace days
    pauses = Pause.objects.order_by("invoice_id")
    assert [p.invoice_id for p in pauses] == [portal.late.pk, portal.soon.pk]
    assert {p.until for p in pauses} == {add_months(first, 2) + timedelta(days=plan.grace_days)}
    assert plan.agreements.count() == 1 and not ApprovalRequest.objects.exists()
    # the request is kept, handled (nothing left for a person), with the plan and the outcome
    request = PortalRequest.objects.get()
    assert request.kind == "plan" and request.status == RequestStatus.HANDLED
    assert request.payload["plan"] == plan.pk and request.payload["outcome"] == "active"
    assert request.payload["total_minor"] == 150000 and request.payload["instalments"] == 3
    event = PortalEvent.objects.get(kind=EventKind.PLAN_REQUEST)
    assert (event.detail["plan"], event.detail["outcome"]) == (plan.pk, "active")
    # the debtor sees the schedule and downloads the agreement
    assert "Your payment plan is agreed" in html and "500.00" in html
    agreement_url = portal.url(f"plans/{plan.pk}/agreement.pdf")
    assert agreement_url in html
    pdf = verified.get(agreement_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(plan.agreements.get().pdf)
    assert PortalEvent.objects.filter(kind=EventKind.DOCUMENT, detail__plan=plan.pk).exists()
    home = verified.get(portal.url()).content.decode()
    assert "Your payment plans" in home and agreement_url in home


@pytest.mark.parametrize(
    ("margin", "instalments", "first_in", "why"),
    [
        ({"max_plan_days": 400}, 4, 7, r"4 instalments, the margin is 3$"),
        ({"max_plan_days": 400}, 3, 45, r"first instalment 45 days after the agreement, the "),
        ({"max_plan_days": 60}, 3, 7, r"^debtor portal: \d+ days long, the margin is 60$"),
        ({"max_total_minor": 100000}, 2, 7, r"1500.00 EUR, the margin is 1000.00 EUR$"),
    ],
)
def test_beyond_each_limit_the_plan_waits_for_approval(
    verified: Client,
    portal: Portal,
    margin: dict[str, int],
    instalments: int,
    first_in: int,
    why: str,
) -> None:
    _margin(portal, **margin)
    response = verified.post(
        portal.url("plan/"),
        {
            "invoice": [portal.late.pk, portal.soon.pk],
            "instalments": str(instalments),
            "first_date": str(portal.today + timedelta(days=first_in)),
        },
    )
    assert response.status_code == 200, response.content.decode()
    html = response.content.decode()
    plan = PaymentPlan.objects.get()
    assert plan.status == PlanStatus.NEEDS_APPROVAL and plan.channel == Source.PORTAL
    approval = ApprovalRequest.objects.get()
    assert approval.plan == plan and approval.requested_by is None
    assert approval.why.startswith("debtor portal: ")
    assert re.search(why, approval.why), approval.why
    # paused for the time to decide, as any plan beyond a margin
    assert {p.until for p in Pause.objects.all()} == {
        portal.today + timedelta(days=APPROVAL_PAUSE_DAYS)
    }
    request = PortalRequest.objects.get()
    assert request.status == RequestStatus.NEW and request.payload["outcome"] == "needs_approval"
    assert "sent for approval" in html and "you will hear from us" in html
    # no agreement to download before it is approved
    assert "agreement.pdf" not in html
    assert verified.get(portal.url(f"plans/{plan.pk}/agreement.pdf")).status_code == 404
    assert "Sent for approval" in verified.get(portal.url()).content.decode()


def test_another_currency_is_beyond_an_amount_cap(portal: Portal) -> None:
    _margin(portal, max_total_minor=10**9)
    dollars = portal.led.invoice(
        portal.acme, "F-USD", "100.00", issued=portal.today, due=portal.today, currency="USD"
    )
    _ask(portal, 2, 7, [dollars])
    why = ApprovalRequest.objects.get().why
    assert why == "debtor portal: a plan in USD, the amount margin is set in EUR (10000000.00 EUR)"


def test_several_limits_are_all_named(portal: Portal) -> None:
    _ask(portal, 6, 40)
    why = ApprovalRequest.objects.get().why
    assert why.startswith("debtor portal: 6 instalments, the margin is 3; first instalment 40 ")
    assert "days long, the margin is 90" in why


def test_switched_off_every_plan_waits_for_approval(portal: Portal) -> None:
    _margin(portal, enabled=False)
    request = _ask(portal, 2, 0)
    plan = PaymentPlan.objects.get()
    assert plan.status == PlanStatus.NEEDS_APPROVAL
    assert request.payload == {**request.payload, "plan": plan.pk, "outcome": "needs_approval"}
    assert ApprovalRequest.objects.get().why == (
        "debtor portal: plans are not accepted automatically (the switch is off)"
    )


def test_the_form_shows_the_margin(verified: Client, portal: Portal) -> None:
    html = verified.get(portal.url("plan/")).content.decode()
    assert "A plan of at most 3 instalments, the first within 30 days" in html
    PortalMargin.objects.create(
        creditor=portal.led.creditor,
        enabled=True,
        max_instalments=4,
        max_plan_days=120,
        first_within_days=20,
        max_total_minor=500000,
    )
    html = verified.get(portal.url("plan/")).content.decode()
    assert "at most 4 instalments, the first within 20 days and the last within 120" in html
    assert "5,000.00" in html
    PortalMargin.objects.update(enabled=False)
    html = verified.get(portal.url("plan/")).content.decode()
    assert "Our team looks at every request" in html


@pytest.mark.parametrize("approve", [True, False])
def test_a_credit_manager_decides_a_portal_plan(portal: Portal, approve: bool) -> None:
    _ask(portal, 6, 7)
    plan = PaymentPlan.objects.get()
    approval = ApprovalRequest.objects.get()
    collector = portal.led.user("carl", Role.COLLECTOR)
    with pytest.raises(PermissionError):
        approvals.decide(approval, approve=True, user=collector, on=portal.today)
    boss = portal.led.user("boss", Role.CREDIT_MANAGER)
    approvals.decide(
        approval, approve=approve, user=boss, on=portal.today, note="" if approve else "Too long."
    )
    plan.refresh_from_db()
    approval.refresh_from_db()
    last = plan.instalments.order_by("-number").first()
    assert last is not None
    if approve:
        assert (plan.status, plan.approved_by, approval.status) == (
            PlanStatus.ACTIVE,
            boss,
            ApprovalStatus.APPROVED,
        )
        # the pauses now run to the last instalment plus grace
        assert {p.until for p in plan.pauses.all()} == {
            last.due_on + timedelta(days=plan.grace_days)
        }
        assert requests_agreement_ok(portal, plan.pk)
    else:
        assert (plan.status, approval.status) == (PlanStatus.REFUSED, ApprovalStatus.REFUSED)
        assert {p.until for p in plan.pauses.all()} == {portal.today - timedelta(days=1)}
        assert not requests_agreement_ok(portal, plan.pk)


def requests_agreement_ok(portal: Portal, plan_id: int) -> bool:
    return Client().get(portal.url(f"plans/{plan_id}/agreement.pdf")).status_code == 200


@pytest.mark.parametrize(
    ("instalments", "first_in", "message"),
    [
        (1, 5, "instalments: between 2 and 12"),
        (13, 5, "instalments: between 2 and 12"),
        (3, -1, "first_date: the first instalment cannot be in the past"),
        (3, 61, "first_date: the first instalment is within 60 days"),
    ],
)
def test_bad_plan_requests_are_refused_and_nothing_is_written(
    portal: Portal, instalments: int, first_in: int, message: str
) -> None:
    with pytest.raises(BadInput, match=message):
        _ask(portal, instalments, first_in)
    _nothing_written()


def test_more_instalments_than_cents_is_refused(portal: Portal) -> None:
    tiny = portal.led.invoice(portal.acme, "F-TINY", "0.02", issued=portal.today)
    with pytest.raises(BadInput, match="instalments: more instalments than the amount allows"):
        _ask(portal, 3, 5, [tiny])
    _nothing_written()


def test_too_long_a_message_is_refused(portal: Portal) -> None:
    with pytest.raises(BadInput, match="message: 4000 characters at most"):
        requests.record_plan_request(
            portal.link,
            invoices=[portal.late],
            instalments=2,
            first_date=portal.today,
            today=portal.today,
            message="x" * 4001,
        )
    _nothing_written()


def test_an_invoice_already_in_a_plan_is_refused(verified: Client, portal: Portal) -> None:
    _ask(portal, 2, 5, [portal.late])
    response = verified.post(
        portal.url("plan/"),
        {
            "invoice": [portal.late.pk, portal.soon.pk],
            "instalments": "2",
            "first_date": str(portal.today + timedelta(days=5)),
        },
    )
    assert response.status_code == 400
    assert "F-100 is already in a payment plan" in response.content.decode()
    assert PaymentPlan.objects.count() == 1 and PortalRequest.objects.count() == 1


def test_web_form_errors_name_the_field(verified: Client, portal: Portal) -> None:
    base = {"invoice": [portal.late.pk], "instalments": "2", "first_date": str(portal.today)}
    for change, text in (
        ({"instalments": "two"}, "a number of instalments"),
        ({"first_date": "someday"}, "is not a date"),
        ({"invoice": [portal.other_invoice.pk]}, "not an open invoice of yours"),
    ):
        response = verified.post(portal.url("plan/"), {**base, **change})
        assert response.status_code == 400 and text in response.content.decode()
    _nothing_written()


def test_a_failure_after_the_plan_keeps_nothing(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the event could not be written")

    monkeypatch.setattr("relance.portal.events.record", broken)
    with pytest.raises(RuntimeError):
        _ask(portal, 2, 5)
    _nothing_written()


def test_the_agreement_route_is_scoped_to_the_links_customer(
    verified: Client, portal: Portal
) -> None:
    theirs = propose_plan(
        portal.other,
        invoices=[portal.other_invoice.pk],
        instalments=equal_instalments(portal.other_invoice.open_minor, 2, portal.today),
        agreed_on=portal.today,
    )
    assert theirs.status == PlanStatus.ACTIVE and theirs.agreements.exists()
    assert verified.get(portal.url(f"plans/{theirs.pk}/agreement.pdf")).status_code == 404
    assert verified.get(portal.url("plans/999999/agreement.pdf")).status_code == 404
    assert "Your payment plans" not in verified.get(portal.url()).content.decode()
    _ask(portal, 2, 5, [portal.late])
    mine = PaymentPlan.objects.get(customer=portal.acme)
    # a tampered token is the same refusal as for any page
    token = portal.token
    tampered = f"/p/{token[:-1]}{'a' if token[-1] != 'a' else 'b'}/plans/{mine.pk}/agreement.pdf"
    assert Client().get(tampered).status_code == 404
    assert Client().get(portal.url(f"plans/{mine.pk}/agreement.pdf")).status_code == 200


def test_a_staff_plan_is_never_checked_against_the_portal_margin(portal: Portal) -> None:
    """The self-service margin applies only when passed; a user's own margin is checked
    otherwise, and passing both is a programming error."""
    admin = portal.led.user("admin")
    rows = equal_instalments(portal.late.open_minor, 6, portal.today)
    with pytest.raises(ValueError, match="self-service"):
        propose_plan(
            portal.acme,
            invoices=[portal.late.pk],
            instalments=rows,
            agreed_on=portal.today,
            user=admin,
            self_service=portal_margin_for(portal.led.creditor.pk),
        )
    plan = propose_plan(
        portal.acme, invoices=[portal.late.pk], instalments=rows, agreed_on=portal.today, user=admin
    )
    assert plan.status == PlanStatus.ACTIVE


def test_first_date_bounds_follow_the_business_day(portal: Portal) -> None:
    today = date(2027, 1, 29)
    request = requests.record_plan_request(
        portal.link,
        invoices=[portal.late],
        instalments=3,
        first_date=date(2027, 1, 31),
        today=today,
    )
    plan = PaymentPlan.objects.get(pk=request.payload["plan"])
    assert plan.agreed_on == today
    # month ends kept: 31 January, 28 February, 31 March
    assert [i.due_on for i in plan.instalments.order_by("number")] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
    ]
    assert plan.status == PlanStatus.ACTIVE
