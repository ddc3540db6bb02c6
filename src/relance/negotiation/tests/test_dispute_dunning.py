"""Dunning with disputes: the run reminds the undisputed invoices and parts only, the worker
re-checks what changed since the plan, the message says what is disputed (real database,
capture backend)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from relance.channels.models import CapturedMessage
from relance.customers.models import Customer
from relance.dunning.manual import draft
from relance.dunning.models import Action, ActionStatus, Holdback
from relance.dunning.outbox import dispatch
from relance.dunning.services import plan_run
from relance.ledger.models import Invoice
from relance.negotiation.disputes import open_dispute, resolve
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

DUE = date(2025, 3, 31)
NNBSP, NBSP = "\u202f", "\xa0"


def day(offset: int) -> date:
    return DUE + timedelta(days=offset)


def at(on: date) -> datetime:
    return datetime(on.year, on.month, on.day, 8, 0, tzinfo=UTC)


def customer(ledger: Ledger, name: str = "ACME") -> Customer:
    c = ledger.customer(name, address_line1="3 rue Neuve", postal_code="69001", city="Lyon")
    ledger.contact(c, f"compta@{name.lower()}.example", last_name="Martin", is_primary_billing=True)
    return c


def lines(action: Action) -> dict[str, int]:
    """invoice number → the amount the message claims for it."""
    found = action.lines()
    numbers = Invoice.objects.in_bulk([line.invoice_id for line in found])
    return {numbers[line.invoice_id].number: line.open_minor for line in found}


def test_the_disputed_invoice_is_held_back_the_other_reminded(ledger: Ledger) -> None:
    acme = customer(ledger)
    disputed = ledger.invoice(acme, "F-1", "1200.00", issued=day(-30), due=DUE)
    ledger.invoice(acme, "F-2", "300.00", issued=day(-30), due=DUE)
    dispute = open_dispute(acme, items=[(disputed.pk, None)], reason="quality", opened_on=DUE)
    result = plan_run(ledger.creditor, day(1))
    (action,) = Action.objects.filter(run=result.run)
    assert lines(action) == {"F-2": 30000} and action.total_minor == 30000
    held = Holdback.objects.get(run=result.run, invoice=disputed)
    assert held.reason == f"paused: dispute #{dispute.pk}: quality"
    assert dispatch(now=at(day(1))) == {"sent": 1}
    body = CapturedMessage.objects.get().body
    assert "F-2" in body and "F-1" not in body


def test_a_partial_dispute_reminds_the_rest_and_says_so(ledger: Ledger) -> None:
    acme = customer(ledger)
    invoice = ledger.invoice(acme, "F-1", "1000.00", issued=day(-30), due=DUE)
    open_dispute(acme, items=[(invoice.pk, 20000)], reason="quantity", opened_on=DUE)
    result = plan_run(ledger.creditor, day(1))
    (action,) = Action.objects.filter(run=result.run)
    assert lines(action) == {"F-1": 80000}
    assert (action.total_minor, action.overdue_total_minor) == (80000, 80000)
    assert not Holdback.objects.filter(run=result.run).exists()
    assert dispatch(now=at(day(1))) == {"sent": 1}
    body = CapturedMessage.objects.get().body
    assert f"F-1 du 01/03/2025, échéance 31/03/2025 (1 jour de retard) : 800,00{NBSP}€" in body
    assert f"Total : 800,00{NBSP}€" in body
    assert (
        "En litige et non réclamé ici tant que le litige n'est pas réglé : "
        f"200,00{NBSP}€ de la facture F-1." in body
    )


def test_a_partial_dispute_in_english_and_in_a_letter(ledger: Ledger) -> None:
    acme = customer(ledger)
    acme.language = "en"
    acme.save()
    invoice = ledger.invoice(acme, "F-1", "1000.00", issued=day(-60), due=DUE)
    open_dispute(acme, items=[(invoice.pk, 20000)], reason="quantity", opened_on=DUE)
    draft_ = draft(acme, "EUR", day(1))
    assert draft_.total_minor == 80000 and [x[5] for x in draft_.lines] == [80000]
    plan_run(ledger.creditor, day(1))
    dispatch(now=at(day(1)))
    body = CapturedMessage.objects.get().body
    assert (
        "In dispute and not claimed here, until the dispute is settled: €200.00 of invoice F-1."
        in body
    )


def test_a_wholly_disputed_partial_remainder_is_held(ledger: Ledger) -> None:
    acme = customer(ledger)
    invoice = ledger.invoice(acme, "F-1", "1000.00", issued=day(-30), due=DUE)
    open_dispute(acme, items=[(invoice.pk, 20000)], reason="quantity", opened_on=DUE)
    ledger.payment(acme, "800.00", on=DUE, pays=[invoice])  # what is left is the disputed part
    result = plan_run(ledger.creditor, day(1))
    assert not Action.objects.filter(run=result.run).exists()
    assert Holdback.objects.get(run=result.run).reason.startswith("paused: dispute #")


def test_rejected_lets_the_next_run_remind_again(ledger: Ledger) -> None:
    acme = customer(ledger)
    invoice = ledger.invoice(acme, "F-1", "1000.00", issued=day(-30), due=DUE)
    dispute = open_dispute(acme, items=[(invoice.pk, None)], reason="price", opened_on=DUE)
    assert not plan_run(ledger.creditor, day(1)).actions
    resolve(dispute, "rejected", on=day(2))
    result = plan_run(ledger.creditor, day(2))
    (action,) = Action.objects.filter(run=result.run)
    assert lines(action) == {"F-1": 100000}


def test_a_payment_between_plan_and_send(ledger: Ledger) -> None:
    """The undisputed part paid after the plan: nothing is left to claim, the message is
    cancelled; part of it paid: the message would claim too much, cancelled for the next run
    to plan afresh."""
    acme = customer(ledger)
    bolt = customer(ledger, "BOLT")
    full = ledger.invoice(acme, "F-1", "1000.00", issued=day(-30), due=DUE)
    part = ledger.invoice(bolt, "B-1", "1000.00", issued=day(-30), due=DUE)
    open_dispute(acme, items=[(full.pk, 20000)], reason="quantity", opened_on=DUE)
    open_dispute(bolt, items=[(part.pk, 20000)], reason="quantity", opened_on=DUE)
    plan_run(ledger.creditor, day(1))
    ledger.payment(acme, "800.00", on=day(1), pays=[full])
    ledger.payment(bolt, "300.00", on=day(1), pays=[part])
    assert dispatch(now=at(day(1))) == {"cancelled": 2}
    reasons = dict(Action.objects.values_list("customer__legal_name", "reason"))
    assert reasons["ACME"] == "every invoice paused or paid since it was planned"
    assert reasons["BOLT"].startswith("part of an invoice is disputed and the message would claim")
    assert not CapturedMessage.objects.exists()
    # the next run reminds BOLT of its undisputed 500
    result = plan_run(ledger.creditor, day(2))
    (action,) = Action.objects.filter(run=result.run)
    assert lines(action) == {"B-1": 50000}


def test_a_dispute_opened_between_plan_and_send_cancels(ledger: Ledger) -> None:
    acme = customer(ledger)
    invoice = ledger.invoice(acme, "F-1", "1000.00", issued=day(-30), due=DUE)
    ledger.invoice(acme, "F-2", "500.00", issued=day(-30), due=DUE)
    plan_run(ledger.creditor, day(1))
    open_dispute(acme, items=[(invoice.pk, 10000)], reason="price", opened_on=day(1))
    # the planned message claims all of F-1, 100 of which is now disputed: cancelled
    assert dispatch(now=at(day(1))) == {"cancelled": 1}
    assert Action.objects.get().reason.startswith("part of an invoice is disputed")
    # the next run plans the right amounts
    result = plan_run(ledger.creditor, day(2))
    (action,) = Action.objects.filter(run=result.run)
    assert lines(action) == {"F-1": 90000, "F-2": 50000}
    assert action.status == ActionStatus.PLANNED


def test_grouping_with_partial_payments_credit_notes_and_a_partial_dispute(
    ledger: Ledger,
) -> None:
    acme = customer(ledger)
    paid_part = ledger.invoice(acme, "F-1", "1000.00", issued=day(-40), due=DUE)
    credited = ledger.invoice(acme, "F-2", "500.00", issued=day(-40), due=day(-5))
    disputed = ledger.invoice(acme, "F-3", "2000.00", issued=day(-40), due=day(-10))
    ledger.invoice(acme, "F-4", "150.00", issued=day(-40), due=day(20))  # not due yet
    ledger.payment(acme, "300.00", on=DUE, pays=[paid_part])
    ledger.credit_note(acme, "100.00", on=DUE, applies_to=credited)
    open_dispute(acme, items=[(disputed.pk, 50000)], reason="price", opened_on=DUE)
    result = plan_run(ledger.creditor, day(1))
    (action,) = Action.objects.filter(run=result.run)
    assert lines(action) == {"F-1": 70000, "F-2": 40000, "F-3": 150000}
    assert (action.total_minor, action.overdue_total_minor) == (260000, 260000)
    assert dispatch(now=at(day(1))) == {"sent": 1}
    body = CapturedMessage.objects.get().body
    assert f"Total : 2{NNBSP}600,00{NBSP}€" in body
    assert f"1{NNBSP}500,00{NBSP}€" in body and f"500,00{NBSP}€ de la facture F-3." in body
    assert "F-4" not in body
