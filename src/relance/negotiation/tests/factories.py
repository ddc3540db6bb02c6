"""Rows of the negotiation app written straight through the ORM, for the worklist and
timeline tests (the services that create them are tested on their own)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from relance.accounts.models import Role
from relance.customers.models import Customer
from relance.dunning.models import Action, ActionStatus
from relance.ledger.models import Invoice
from relance.negotiation.models import (
    CallLog,
    Dispute,
    DisputeItem,
    Instalment,
    PaymentPlan,
    Promise,
)
from relance.risk.models import RiskProfile
from relance.testing import Ledger

AS_OF = date(2025, 3, 31)
_seq = itertools.count(1)


def moment(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def action(
    customer: Customer,
    on: date,
    *,
    channel: str = "call",
    status: str = ActionStatus.SENT,
    step: str = "j+15",
    kind: str = "reminder",
    overdue_minor: int = 100_000,
) -> Action:
    return Action.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        currency="EUR",
        as_of=on,
        step_key=step,
        step_offset=int(step.removeprefix("j").replace("+", "")),
        channel=channel,
        tone="firm",
        kind=kind,
        status=status,
        total_minor=overdue_minor,
        overdue_total_minor=overdue_minor,
        idempotency_key=f"test-{next(_seq)}",
        sent_on=on if status == ActionStatus.SENT else None,
    )


def call(customer: Customer, on: date, outcome: str = "reached", **fields: Any) -> CallLog:
    return CallLog.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        at=moment(on, fields.pop("hour", 10)),
        on=on,
        outcome=outcome,
        **fields,
    )


def promise(
    customer: Customer,
    amount_minor: int,
    promised_on: date,
    *,
    status: str = "pending",
    settled_on: date | None = None,
    taken_on: date | None = None,
    paid_minor: int = 0,
) -> Promise:
    return Promise.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        amount_minor=amount_minor,
        promised_on=promised_on,
        taken_on=taken_on or promised_on - timedelta(days=7),
        channel="call",
        status=status,
        settled_on=settled_on,
        paid_minor=paid_minor,
    )


def plan(
    customer: Customer,
    instalments: list[tuple[date, int, str]],
    *,
    agreed_on: date,
    status: str = "active",
    grace_days: int = 5,
    invoices: list[Invoice] | None = None,
) -> PaymentPlan:
    made = PaymentPlan.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        total_minor=sum(amount for _day, amount, _status in instalments),
        status=status,
        agreed_on=agreed_on,
        grace_days=grace_days,
        channel="call",
    )
    if invoices:
        made.invoices.set(invoices)
    for n, (due, amount, inst_status) in enumerate(instalments, start=1):
        Instalment.objects.create(
            plan=made,
            number=n,
            due_on=due,
            amount_minor=amount,
            status=inst_status,
            paid_minor=amount if inst_status == "paid" else 0,
            paid_on=due if inst_status == "paid" else None,
        )
    return made


def dispute(
    customer: Customer,
    invoice: Invoice,
    amount_minor: int,
    *,
    opened_on: date,
    due_on: date | None = None,
    reason: str = "quantity",
) -> Dispute:
    made = Dispute.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        reason=reason,
        opened_on=opened_on,
        due_on=due_on,
    )
    DisputeItem.objects.create(dispute=made, invoice=invoice, amount_minor=amount_minor)
    return made


def risk(customer: Customer, segment: str) -> RiskProfile:
    return RiskProfile.objects.create(
        customer=customer,
        creditor_id=customer.creditor_id,
        as_of=AS_OF,
        currency="EUR",
        segment=segment,
        computed_at=datetime(2025, 3, 31, tzinfo=UTC),
    )


@dataclass
class Desk:
    """A creditor with a manager, two collectors and one customer each, with overdue debts."""

    led: Ledger
    manager: Any
    alice: Any
    bob: Any
    reader: Any
    acme: Customer
    bolt: Customer
    acme_invoice: Invoice
    bolt_invoice: Invoice


def desk(led: Ledger) -> Desk:
    manager = led.user("manager", Role.CREDIT_MANAGER)
    alice = led.user("alice", Role.COLLECTOR)
    bob = led.user("bob", Role.COLLECTOR)
    reader = led.user("reader", Role.READ_ONLY)
    acme = led.customer("ACME Industries SAS", assigned_collector=alice)
    bolt = led.customer("Boulonnerie Bolt SARL", assigned_collector=bob)
    acme_invoice = led.invoice(acme, "F-ACME-1", "12345.67", issued="2025-01-10", due="2025-02-09")
    bolt_invoice = led.invoice(bolt, "F-BOLT-1", "2400.00", issued="2024-11-01", due="2024-12-01")
    return Desk(led, manager, alice, bob, reader, acme, bolt, acme_invoice, bolt_invoice)
