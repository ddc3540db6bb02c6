"""Call logging: outcomes and their effects, one call a day, call tasks carried out, the
contact history the engine reads, and every refusal (real database, capture backend)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from relance.accounts.models import Role
from relance.channels.models import CapturedMessage, Correspondence
from relance.core.errors import BadInput
from relance.customers.models import Contact, Customer
from relance.domain import dunning as dd
from relance.dunning.models import Action, ActionStatus, Holdback, Pause
from relance.dunning.outbox import dispatch
from relance.dunning.services import plan_run, recent_contacts, save_policy
from relance.negotiation.calls import DisputeIn, PromiseIn, log_call, open_tasks, record_call
from relance.negotiation.disputes import open_dispute
from relance.negotiation.models import CallLog, Dispute, Promise
from relance.negotiation.promises import take_promise
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

DUE = date(2025, 3, 31)
J15 = DUE + timedelta(days=15)
AT = datetime(2025, 4, 15, 9, 30, tzinfo=UTC)  # 11:30 in Paris, on J15
#: a policy whose only step is a call, from the day after the due date
CALLS = dd.Policy("calls", "Appels", (dd.Step("appel", 1, (dd.Channel.CALL,), dd.Tone.FIRM),))


def moment(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def setup(ledger: Ledger) -> tuple[Customer, Contact, Any]:
    save_policy(ledger.creditor, CALLS, is_default=True)
    alice = ledger.user("alice", Role.COLLECTOR)
    acme = ledger.customer(
        "ACME", assigned_collector=alice, address_line1="3 rue Neuve", city="Lyon"
    )
    jeanne = ledger.contact(
        acme,
        "compta@acme.example",
        first_name="Jeanne",
        last_name="Martin",
        phone="0472000000",
        is_primary_billing=True,
    )
    ledger.invoice(acme, "F-1", "1200.00", issued="2025-03-01", due=DUE)
    return acme, jeanne, alice


def test_no_answer_is_logged_with_the_number_and_day(ledger: Ledger) -> None:
    acme, jeanne, alice = setup(ledger)
    log = log_call(acme, user=alice, at=AT, outcome="no_answer", contact=jeanne, note="Messagerie")
    assert (log.number, log.on, log.outcome, log.user) == ("0472000000", J15, "no_answer", alice)


def test_second_outbound_call_the_same_day_is_refused_inbound_is_not(ledger: Ledger) -> None:
    acme, jeanne, alice = setup(ledger)
    log_call(acme, user=alice, at=AT, outcome="no_answer", contact=jeanne)
    with pytest.raises(BadInput, match="at most one call a day"):
        log_call(acme, user=alice, at=AT + timedelta(hours=3), outcome="reached", contact=jeanne)
    inbound = log_call(
        acme, user=alice, at=AT + timedelta(hours=4), outcome="reached", direction="inbound"
    )
    meeting = log_call(
        acme, user=alice, at=AT + timedelta(hours=5), outcome="reached", kind="meeting"
    )
    assert inbound.pk and meeting.pk
    # the next business day is another day
    assert log_call(acme, user=alice, at=AT + timedelta(days=1), outcome="no_answer").on == date(
        2025, 4, 16
    )
    assert CallLog.objects.filter(customer=acme).count() == 4


def test_the_day_is_the_business_day_in_paris(ledger: Ledger) -> None:
    acme, _jeanne, alice = setup(ledger)
    late = datetime(2025, 4, 15, 22, 30, tzinfo=UTC)  # 00:30 on the 16th in Paris
    assert log_call(acme, user=alice, at=late, outcome="no_answer").on == date(2025, 4, 16)
    with pytest.raises(BadInput, match="time zone"):
        log_call(acme, user=alice, at=datetime(2025, 4, 15, 9), outcome="no_answer")


def test_wrong_number_flags_the_contact_and_the_run_plans_no_call(ledger: Ledger) -> None:
    acme, jeanne, alice = setup(ledger)
    log_call(acme, user=alice, at=moment(date(2025, 4, 10)), outcome="wrong_number", contact=jeanne)
    jeanne.refresh_from_db()
    assert jeanne.phone_wrong_since is not None and "0472000000" in jeanne.phone_wrong_reason
    result = plan_run(ledger.creditor, J15)
    assert not [a for a in result.actions if a.channel == "call"]
    held = Holdback.objects.get(run=result.run, step_key="appel")
    assert held.reason == "call: the phone number is flagged wrong and no other number is known"
    # another contact with a number: the call is planned again (to that number)
    other = ledger.contact(acme, "", last_name="Roux", mobile="0600000000")
    result = plan_run(ledger.creditor, J15 + timedelta(days=1))
    assert [a.channel for a in result.actions] == ["call"]
    dispatch(now=moment(J15 + timedelta(days=1)))
    assert CapturedMessage.objects.get(channel="call").recipient == other.mobile


def test_a_logged_call_counts_in_the_contact_history(ledger: Ledger) -> None:
    acme, jeanne, alice = setup(ledger)
    log = log_call(acme, user=alice, at=AT, outcome="reached", contact=jeanne)
    history = recent_contacts(J15, creditor_id=ledger.creditor.pk)
    assert [(c.sent_on, c.channel) for c in history[acme.pk]] == [(J15, "call")]
    # the run of that day plans no call task: someone already called
    result = plan_run(ledger.creditor, J15)
    assert not result.actions
    assert Holdback.objects.get(run=result.run).reason.startswith("call: already 1 call(s) today")
    # an inbound call is not a contact we made
    CallLog.objects.filter(pk=log.pk).update(direction="inbound")
    assert not recent_contacts(J15, creditor_id=ledger.creditor.pk)


def test_a_call_carries_out_the_call_task_handed_out(ledger: Ledger) -> None:
    acme, jeanne, alice = setup(ledger)
    plan_run(ledger.creditor, J15)
    assert dispatch(now=moment(J15)) == {"sent": 1}
    task = Action.objects.get(channel="call")
    assert task.status == ActionStatus.SENT and Correspondence.objects.filter(action=task).exists()
    assert list(open_tasks(Customer.objects.filter(pk=acme.pk))) == [task]
    # the task handed out today is the day's call: a call not logged against it is refused
    with pytest.raises(BadInput, match=f"task {task.pk}"):
        log_call(acme, user=alice, at=AT, outcome="reached", contact=jeanne)
    log = log_call(acme, user=alice, at=AT, outcome="reached", contact=jeanne, action=task)
    assert log.action == task
    assert not open_tasks(Customer.objects.filter(pk=acme.pk)).exists()
    # counted once, on the day of the call
    history = recent_contacts(J15, creditor_id=ledger.creditor.pk)[acme.pk]
    assert [(c.channel, c.message) for c in history] == [("call", f"call:{log.pk}")]
    with pytest.raises(BadInput, match="already carried out"):
        log_call(acme, user=alice, at=AT + timedelta(days=1), outcome="reached", action=task)


def test_a_call_before_the_task_is_handed_out_marks_it_sent(ledger: Ledger) -> None:
    acme, jeanne, alice = setup(ledger)
    plan_run(ledger.creditor, J15)
    task = Action.objects.get(channel="call")
    assert task.status == ActionStatus.PLANNED
    log = log_call(acme, user=alice, at=AT, outcome="no_answer", contact=jeanne, action=task)
    task.refresh_from_db()
    assert (task.status, task.sent_on, task.reason) == (
        ActionStatus.SENT,
        J15,
        f"carried out by call {log.pk}",
    )
    # its invoice reached the call step: the worker has nothing left to send, the next run
    # does not plan the call again
    assert dispatch(now=moment(J15)) == {}
    assert not plan_run(ledger.creditor, J15 + timedelta(days=1)).actions


def test_task_refusals(ledger: Ledger) -> None:
    acme, _jeanne, alice = setup(ledger)
    other = ledger.customer("Autre", assigned_collector=alice)
    ledger.invoice(other, "F-9", "100.00", issued="2025-03-01", due=DUE)
    plan_run(ledger.creditor, J15)
    theirs = Action.objects.get(customer=other, channel="call")
    with pytest.raises(BadInput, match="not a task of this customer"):
        log_call(acme, user=alice, at=AT, outcome="reached", action=theirs)
    task = Action.objects.get(customer=acme, channel="call")
    with pytest.raises(BadInput, match="is a call task, not a meeting"):
        log_call(acme, user=alice, at=AT, outcome="reached", kind="meeting", action=task)
    Action.objects.filter(pk=task.pk).update(status=ActionStatus.CANCELLED)
    task.refresh_from_db()
    with pytest.raises(BadInput, match="is cancelled"):
        log_call(acme, user=alice, at=AT, outcome="reached", action=task)


def test_copy_requested_sends_the_invoice_through_the_outbox(ledger: Ledger) -> None:
    acme, jeanne, alice = setup(ledger)
    invoice = acme.invoices.get()
    # disputed: the copy still goes (the customer asked for it)
    open_dispute(acme, items=[(invoice.pk, None)], reason="not_received", opened_on=J15)
    log = log_call(
        acme,
        user=alice,
        at=AT,
        outcome="copy_requested",
        contact=jeanne,
        invoices=[invoice.pk],
    )
    copy = Action.objects.get(kind="invoice")
    assert copy.idempotency_key == f"invoice-copy:{invoice.pk}:call-{log.pk}"
    assert copy.contact == jeanne
    assert dispatch(now=moment(J15)) == {"sent": 1}
    archived = Correspondence.objects.get(action=copy)
    assert archived.recipient == "compta@acme.example" and "F-1" in archived.subject
    assert archived.content_intact()


def test_record_call_takes_the_promise_in_the_same_transaction(ledger: Ledger) -> None:
    acme, jeanne, alice = setup(ledger)
    invoice = acme.invoices.get()
    log = record_call(
        acme,
        user=alice,
        at=AT,
        outcome="promise",
        contact=jeanne,
        new_promise=PromiseIn(120000, date(2025, 4, 25), [invoice.pk]),
    )
    assert log.promise is not None and log.promise.channel == "call"
    assert log.promise.taken_on == J15 and log.promise.contact == jeanne
    # refused the next call of the day: no second promise is kept
    with pytest.raises(BadInput, match="at most one call a day"):
        record_call(
            acme,
            user=alice,
            at=AT + timedelta(hours=1),
            outcome="promise",
            new_promise=PromiseIn(1000, date(2025, 4, 25)),
        )
    assert Promise.objects.count() == 1


def test_record_call_opens_the_dispute(ledger: Ledger) -> None:
    acme, jeanne, alice = setup(ledger)
    invoice = acme.invoices.get()
    log = record_call(
        acme,
        user=alice,
        at=AT,
        outcome="dispute",
        contact=jeanne,
        new_dispute=DisputeIn("quantity", [(invoice.pk, 20000)], "2 palettes manquantes"),
    )
    assert log.dispute is not None
    assert (log.dispute.source, log.dispute.owner, log.dispute.opened_on) == ("call", alice, J15)
    assert Pause.objects.get(invoice=invoice).amount_minor == 20000
    # a bad dispute: nothing is kept, not even the call
    other = ledger.invoice(acme, "F-2", "100.00", issued="2025-03-01", due=DUE)
    with pytest.raises(BadInput, match="more than its open amount"):
        record_call(
            acme,
            user=alice,
            at=AT + timedelta(days=1),
            outcome="dispute",
            new_dispute=DisputeIn("price", [(other.pk, 10**9)]),
        )
    assert CallLog.objects.count() == 1 and Dispute.objects.count() == 1


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("outcome", "outcome"),
        ("kind", "kind"),
        ("direction", "direction"),
        ("wrong_no_contact", "wrong number needs the contact"),
        ("wrong_no_number", "has no phone number to flag"),
        ("wrong_meeting", "not a meeting"),
        ("call_back_no_date", "call_back_on: the outcome 'call_back' needs"),
        ("call_back_before", "before the call"),
        ("promise_missing", "needs the promise taken"),
        ("promise_elsewhere", "not a promise of this customer"),
        ("promise_other_outcome", "only with the outcome 'promise'"),
        ("dispute_missing", "needs the dispute opened"),
        ("copy_no_invoice", "needs the invoices to send"),
        ("copy_other_customer", "not invoices of this customer"),
        ("contact_elsewhere", "not a contact of this customer"),
        ("opted_out", "asked not to be called"),
        ("other_creditor", "another creditor"),
        ("not_assigned", "not one of your customers"),
        ("read_only", "read-only"),
    ],
)
def test_bad_calls_are_refused_and_nothing_is_written(
    ledger: Ledger, case: str, message: str
) -> None:
    acme, jeanne, alice = setup(ledger)
    stranger = ledger.customer("Autre")
    their_invoice = ledger.invoice(stranger, "A-1", "100.00", due=DUE)
    their_contact = ledger.contact(stranger, "a@autre.example", phone="0100000000")
    their_promise = take_promise(
        stranger, amount_minor=100, promised_on=date(2025, 5, 1), taken_on=J15
    )
    numberless = ledger.contact(acme, "x@acme.example", last_name="Sans numéro")
    opted = ledger.contact(acme, "", last_name="Refus", phone="0472111111", opt_out_phone=True)
    other_creditor = Ledger.create("Autre créancier")
    outsider = other_creditor.user("outsider", Role.ADMIN)
    bob = ledger.user("bob", Role.COLLECTOR)
    reader = ledger.user("reader", Role.READ_ONLY)
    args: dict[str, Any] = {"user": alice, "at": AT, "outcome": "reached", "contact": jeanne}
    cases: dict[str, dict[str, Any]] = {
        "outcome": {"outcome": "shouted"},
        "kind": {"kind": "telepathy"},
        "direction": {"direction": "sideways"},
        "wrong_no_contact": {"outcome": "wrong_number", "contact": None},
        "wrong_no_number": {"outcome": "wrong_number", "contact": numberless},
        "wrong_meeting": {"outcome": "wrong_number", "kind": "meeting"},
        "call_back_no_date": {"outcome": "call_back"},
        "call_back_before": {"outcome": "call_back", "call_back_on": J15 - timedelta(days=1)},
        "promise_missing": {"outcome": "promise"},
        "promise_elsewhere": {"outcome": "promise", "promise": their_promise},
        "promise_other_outcome": {"promise": their_promise},
        "dispute_missing": {"outcome": "dispute"},
        "copy_no_invoice": {"outcome": "copy_requested"},
        "copy_other_customer": {"outcome": "copy_requested", "invoices": [their_invoice.pk]},
        "contact_elsewhere": {"contact": their_contact},
        "opted_out": {"contact": opted},
        "other_creditor": {"user": outsider},
        "not_assigned": {"user": bob},
        "read_only": {"user": reader},
    }
    args.update(cases[case])
    with pytest.raises(BadInput, match=message):
        log_call(acme, **args)
    assert not CallLog.objects.exists()
    assert not Action.objects.exists()
    jeanne.refresh_from_db()
    assert jeanne.phone_wrong_since is None


def test_a_call_for_another_creditors_customer_is_refused(ledger: Ledger) -> None:
    _acme, _jeanne, alice = setup(ledger)
    other = Ledger.create("Autre créancier")
    theirs = other.customer("Client d'un autre")
    with pytest.raises(BadInput, match="another creditor"):
        log_call(theirs, user=alice, at=AT, outcome="reached")
    assert not CallLog.objects.exists()


def test_the_database_refuses_a_second_outbound_call_the_same_day(ledger: Ledger) -> None:
    acme, _jeanne, alice = setup(ledger)
    fields = {
        "creditor": ledger.creditor,
        "customer": acme,
        "at": AT,
        "on": J15,
        "outcome": "reached",
        "user": alice,
    }
    CallLog.objects.create(**fields)
    CallLog.objects.create(**{**fields, "direction": "inbound"})
    CallLog.objects.create(**{**fields, "kind": "meeting"})
    with pytest.raises(IntegrityError), transaction.atomic():
        CallLog.objects.create(**fields)


@pytest.mark.django_db(transaction=True)
def test_two_people_logging_a_call_at_once_keep_one() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory test database locks whole tables (PostgreSQL runs it)")
    ledger = Ledger.create()
    acme, _jeanne, alice = setup(ledger)
    bob = ledger.user("bob", Role.CREDIT_MANAGER)
    barrier = threading.Barrier(2)
    refused: list[str] = []
    errors: list[BaseException] = []

    def go(user: Any) -> None:
        try:
            barrier.wait()
            log_call(acme, user=user, at=AT, outcome="reached")
        except BadInput as exc:
            refused.append(str(exc))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(user,)) for user in (alice, bob)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert CallLog.objects.count() == 1
    assert len(refused) == 1 and "at most one call a day" in refused[0]


def test_a_wrong_mobile_gets_no_sms_a_wrong_landline_leaves_the_mobile(ledger: Ledger) -> None:
    from relance.dunning.messages import NoRecipient, recipient

    acme, _jeanne, alice = setup(ledger)
    acme.contacts.all().delete()
    only_mobile = ledger.contact(acme, "", last_name="Mobile", mobile="0600000001")
    log_call(acme, user=alice, at=AT, outcome="wrong_number", contact=only_mobile)
    only_mobile.refresh_from_db()
    with pytest.raises(NoRecipient, match="flagged wrong"):
        recipient("sms", acme, [only_mobile])
    with pytest.raises(NoRecipient, match="flagged wrong"):
        recipient("call", acme, [only_mobile])
    both = ledger.contact(acme, "", last_name="Deux", phone="0472000001", mobile="0600000002")
    log_call(acme, user=alice, at=AT + timedelta(days=1), outcome="wrong_number", contact=both)
    both.refresh_from_db()
    assert recipient("sms", acme, [both]).address == "0600000002"
