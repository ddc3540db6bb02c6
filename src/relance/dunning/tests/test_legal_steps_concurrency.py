"""Workers sending the channels of penalty-invoice steps at the same time: one penalty invoice
per message, consecutive numbers, no deadlock (PostgreSQL row locks)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from django.db import connection, connections, transaction

from relance.domain import dunning as dd
from relance.dunning.legal_steps import document_for
from relance.dunning.models import Action, ActionStatus, PolicyAssignment
from relance.dunning.outbox import dispatch
from relance.dunning.services import plan_run, save_policy
from relance.legal.models import PenaltyInvoice
from relance.testing import Ledger

DAY = date(2025, 5, 15)


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_issue_one_penalty_invoice_per_message() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (RELANCE_TEST_DATABASE_URL)")
    ledger = Ledger.create()
    steps = (
        dd.Step(
            "pen",
            40,
            (dd.Channel.EMAIL, dd.Channel.LETTER),
            dd.Tone.FIRM,
            kind=dd.StepKind.PENALTY_INVOICE,
        ),
    )
    policy = save_policy(ledger.creditor, dd.Policy("pen", "Pénalités", steps), is_default=True)
    customers = []
    for n in range(6):
        c = ledger.customer(
            f"Client {n}", address_line1="3 rue Neuve", postal_code="69001", city="Lyon"
        )
        ledger.contact(c, f"compta{n}@client.example", is_primary_billing=True)
        ledger.invoice(c, f"F-{n}", "1000.00", issued="2025-03-01", due="2025-03-31")
        PolicyAssignment.objects.create(creditor=ledger.creditor, policy=policy, customer=c)
        customers.append(c)
    plan_run(ledger.creditor, DAY)
    assert Action.objects.count() == 12
    errors: list[BaseException] = []
    counts: Counter[str] = Counter()
    start = threading.Barrier(3)

    def work() -> None:
        try:
            start.wait()
            counts.update(dispatch(now=datetime(2025, 5, 15, 8, tzinfo=UTC)))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert counts["sent"] == 12
    assert set(Action.objects.values_list("status", flat=True)) == {ActionStatus.SENT}
    issued = list(PenaltyInvoice.objects.values_list("customer_id", "number"))
    assert sorted(c for c, _n in issued) == sorted(c.pk for c in customers)
    assert sorted(n for _c, n in issued) == [f"PEN-2025-{n:04d}" for n in range(1, 7)]


@pytest.mark.django_db(transaction=True)
def test_two_channels_claimed_at_once_carry_the_same_penalty_invoice() -> None:
    """The email and the letter of one message claimed by two workers at the same moment:
    the second waits for the first and carries its penalty invoice (without the customer
    lock taken before the look-up, it would find nothing billed yet, then nothing to bill)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (RELANCE_TEST_DATABASE_URL)")
    ledger = Ledger.create()
    steps = (
        dd.Step(
            "pen",
            40,
            (dd.Channel.EMAIL, dd.Channel.LETTER),
            dd.Tone.FIRM,
            kind=dd.StepKind.PENALTY_INVOICE,
        ),
    )
    save_policy(ledger.creditor, dd.Policy("pen", "Pénalités", steps), is_default=True)
    c = ledger.customer("Client", address_line1="3 rue Neuve", postal_code="69001", city="Lyon")
    ledger.invoice(c, "F-1", "1000.00", issued="2025-03-01", due="2025-03-31")
    plan_run(ledger.creditor, DAY)
    actions = list(Action.objects.select_related("customer").order_by("pk"))
    assert len(actions) == 2
    found: dict[int, str] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def claim(action: Action) -> None:
        try:
            start.wait()
            with transaction.atomic():
                document = document_for(action, DAY)
                assert isinstance(document, PenaltyInvoice)
                found[action.pk] = document.number
                time.sleep(0.5)  # the claim goes on (rendering…) while the other waits
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert set(found.values()) == {"PEN-2025-0001"} and len(found) == 2
    assert PenaltyInvoice.objects.count() == 1
