"""Promises: overlaps and replacement, the reminder the day before, the verdict, the firmer
step after a broken promise (with the real run), and promises beyond the margin."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from relance.accounts.models import Role
from relance.channels.models import CapturedMessage, Correspondence
from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.dunning.models import PROMISE_REMINDER_KIND, Action, ActionStatus, Pause
from relance.dunning.outbox import dispatch
from relance.dunning.services import plan_run
from relance.ledger.models import Invoice
from relance.negotiation.approvals import decide
from relance.negotiation.daily import evaluate
from relance.negotiation.margins import NotAllowed
from relance.negotiation.models import ApprovalRequest, ApprovalStatus, PromiseStatus
from relance.negotiation.promises import cancel_promise, take_promise
from relance.testing import Ledger

pytestmark = pytest.mark.django_db


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


def debtor(ledger: Ledger, name: str = "Dupont SARL", email: bool = True) -> Customer:
    c = ledger.customer(name, address_line1="3 rue Neuve", postal_code="69001", city="Lyon")
    if email:
        ledger.contact(c, "compta@dupont.example", first_name="Jeanne", is_primary_billing=True)
    return c


def pauses_until(invoice: Invoice) -> list[date | None]:
    return sorted(
        (p.until for p in Pause.objects.filter(invoice=invoice)), key=lambda d: d or date.max
    )


# --------------------------------------------------------------------------- overlaps


def test_an_overlapping_promise_is_refused_with_the_reason(ledger: Ledger) -> None:
    c = debtor(ledger)
    f1 = ledger.invoice(c, "F-1", "1000.00", due="2026-02-01")
    f2 = ledger.invoice(c, "F-2", "500.00", due="2026-02-05")
    first = take_promise(
        c,
        amount_minor=50000,
        promised_on=date(2026, 3, 10),
        taken_on=date(2026, 3, 1),
        invoices=[f1.pk],
    )
    with pytest.raises(BadInput, match=rf"F-1 already under pending promise #{first.pk}"):
        take_promise(
            c,
            amount_minor=150000,
            promised_on=date(2026, 3, 20),
            taken_on=date(2026, 3, 2),
            invoices=[f1.pk, f2.pk],
        )
    assert Pause.objects.count() == 1  # nothing written by the refused one


def test_a_replacing_promise_cancels_the_old_one_and_ends_its_pauses(ledger: Ledger) -> None:
    c = debtor(ledger)
    f1 = ledger.invoice(c, "F-1", "1000.00", due="2026-02-01")
    first = take_promise(
        c, amount_minor=50000, promised_on=date(2026, 3, 10), taken_on=date(2026, 3, 1)
    )
    second = take_promise(
        c,
        amount_minor=100000,
        promised_on=date(2026, 3, 20),
        taken_on=date(2026, 3, 5),
        replaces=first,
    )
    first.refresh_from_db()
    assert first.status == PromiseStatus.CANCELLED
    assert first.replaced_by == second and first.settled_on == date(2026, 3, 5)
    assert pauses_until(f1) == [date(2026, 3, 4), date(2026, 3, 22)]


def test_replacing_a_promise_that_is_not_pending_is_refused(ledger: Ledger) -> None:
    c = debtor(ledger)
    ledger.invoice(c, "F-1", "1000.00", due="2026-02-01")
    first = take_promise(
        c, amount_minor=50000, promised_on=date(2026, 3, 10), taken_on=date(2026, 3, 1)
    )
    cancel_promise(first, date(2026, 3, 2))
    with pytest.raises(BadInput, match=r"replaces: promise \d+ is not a pending promise"):
        take_promise(
            c,
            amount_minor=50000,
            promised_on=date(2026, 3, 12),
            taken_on=date(2026, 3, 3),
            replaces=first.pk,
        )


def test_a_promise_above_the_open_total_is_refused(ledger: Ledger) -> None:
    c = debtor(ledger)
    ledger.invoice(c, "F-1", "100.00", due="2026-02-01")
    with pytest.raises(BadInput, match=r"amount: 100\.01 is more than the open total"):
        take_promise(
            c, amount_minor=10001, promised_on=date(2026, 3, 10), taken_on=date(2026, 3, 1)
        )


# --------------------------------------------------------------------------- reminder


def test_courtesy_reminder_the_day_before_by_email_once_and_archived(ledger: Ledger) -> None:
    c = debtor(ledger)
    ledger.invoice(c, "F-1", "1000.00", due="2026-02-01")
    promise = take_promise(
        c, amount_minor=100000, promised_on=date(2026, 3, 10), taken_on=date(2026, 3, 1)
    )
    assert evaluate(ledger.creditor, date(2026, 3, 8))["promise_reminders"] == 0
    assert evaluate(ledger.creditor, date(2026, 3, 9))["promise_reminders"] == 1
    assert evaluate(ledger.creditor, date(2026, 3, 9))["promise_reminders"] == 0  # idempotent
    action = Action.objects.get(kind=PROMISE_REMINDER_KIND)
    assert action.idempotency_key == f"promise:{promise.pk}:reminder"
    assert action.channel == "email"
    # The promise's own pause does not hold its reminder back.
    assert dispatch(now=at(date(2026, 3, 9))) == {"sent": 1}
    mail = CapturedMessage.objects.get()
    assert mail.recipient == "compta@dupont.example"
    assert "10/03/2026" in mail.subject
    assert "1\u202f000,00" in mail.body and "F-1" in mail.body and "Bonjour Jeanne" in mail.body
    archived = Correspondence.objects.get(action=action)
    assert archived.body == mail.body


def test_courtesy_reminder_in_english_by_sms_without_email(ledger: Ledger) -> None:
    c = debtor(ledger, email=False)
    Customer.objects.filter(pk=c.pk).update(language="en")
    ledger.contact(c, "", mobile="+33612345678", first_name="Ann")
    ledger.invoice(c, "F-1", "1000.00", due="2026-02-01")
    take_promise(c, amount_minor=40000, promised_on=date(2026, 3, 10), taken_on=date(2026, 3, 1))
    evaluate(ledger.creditor, date(2026, 3, 9))
    assert dispatch(now=at(date(2026, 3, 9))) == {"sent": 1}
    sms = CapturedMessage.objects.get()
    assert sms.channel == "sms" and sms.recipient == "+33612345678"
    assert "€400.00" in sms.body and "10 Mar 2026" in sms.body


def test_no_reminder_for_a_cancelled_promise(ledger: Ledger) -> None:
    c = debtor(ledger)
    ledger.invoice(c, "F-1", "1000.00", due="2026-02-01")
    promise = take_promise(
        c, amount_minor=100000, promised_on=date(2026, 3, 10), taken_on=date(2026, 3, 1)
    )
    evaluate(ledger.creditor, date(2026, 3, 9))
    cancel_promise(promise, date(2026, 3, 9), reason="customer changed their mind")
    assert Action.objects.get().status == ActionStatus.CANCELLED
    assert dispatch(now=at(date(2026, 3, 9))) == {}


# --------------------------------------------------------------------------- verdict


def test_kept_as_soon_as_the_amount_is_received(ledger: Ledger) -> None:
    c = debtor(ledger)
    f1 = ledger.invoice(c, "F-1", "1000.00", due="2026-02-01")
    promise = take_promise(
        c, amount_minor=60000, promised_on=date(2026, 3, 10), taken_on=date(2026, 3, 1)
    )
    ledger.payment(c, "600.00", on="2026-03-04", pays=[f1])
    counts = evaluate(ledger.creditor, date(2026, 3, 5))
    assert counts["promises_kept"] == 1
    promise.refresh_from_db()
    assert (promise.status, promise.paid_minor, promise.settled_on) == (
        PromiseStatus.KEPT,
        60000,
        date(2026, 3, 5),
    )
    assert pauses_until(f1) == [date(2026, 3, 4)]  # the rest (400) is reminded again
    assert evaluate(ledger.creditor, date(2026, 3, 5))["promises_kept"] == 0


def test_a_payment_covering_the_promise_only_partly(ledger: Ledger) -> None:
    c = debtor(ledger)
    f1 = ledger.invoice(c, "F-1", "1000.00", due="2026-02-01")
    promise = take_promise(
        c, amount_minor=100000, promised_on=date(2026, 3, 10), taken_on=date(2026, 3, 1)
    )
    ledger.payment(c, "250.00", on="2026-03-10", pays=[f1])
    ledger.payment(c, "50.00", on="2026-02-20", pays=[f1])  # before the promise: not counted
    # still waiting during the grace days
    assert evaluate(ledger.creditor, date(2026, 3, 12))["promises_partly_kept"] == 0
    counts = evaluate(ledger.creditor, date(2026, 3, 13))
    assert counts["promises_partly_kept"] == 1 and counts["promises_broken"] == 0
    promise.refresh_from_db()
    assert (promise.status, promise.paid_minor) == (PromiseStatus.PARTLY_KEPT, 25000)
    assert pauses_until(f1) == [date(2026, 3, 12)]


def test_broken_when_nothing_was_received(ledger: Ledger) -> None:
    c = debtor(ledger)
    f1 = ledger.invoice(c, "F-1", "1000.00", due="2026-02-01")
    promise = take_promise(
        c, amount_minor=100000, promised_on=date(2026, 3, 10), taken_on=date(2026, 3, 1)
    )
    assert evaluate(ledger.creditor, date(2026, 3, 13))["promises_broken"] == 1
    assert evaluate(ledger.creditor, date(2026, 3, 13))["promises_broken"] == 0
    promise.refresh_from_db()
    assert (promise.status, promise.settled_on) == (PromiseStatus.BROKEN, date(2026, 3, 13))
    assert pauses_until(f1) == [date(2026, 3, 12)]


# --------------------------------------------------------------------------- firmer step


def _run_and_send(ledger: Ledger, day: date) -> list[Action]:
    plan_run(ledger.creditor, day)
    dispatch(now=at(day))
    return list(Action.objects.filter(as_of=day, run__isnull=False))


def test_after_a_broken_promise_dunning_resumes_at_the_next_firmer_step(ledger: Ledger) -> None:
    c = debtor(ledger)
    control = debtor(ledger, "Témoin SA")
    due = date(2026, 1, 1)
    ledger.invoice(c, "F-1", "1000.00", issued="2025-12-01", due=due)
    ledger.invoice(control, "T-1", "1000.00", issued="2025-12-01", due=due)
    sent = _run_and_send(ledger, date(2026, 1, 2))
    assert {(a.customer_id, a.step_key, a.tone, a.status) for a in sent} == {
        (c.pk, "j+1", "courteous", "sent"),
        (control.pk, "j+1", "courteous", "sent"),
    }
    take_promise(c, amount_minor=100000, promised_on=date(2026, 1, 4), taken_on=date(2026, 1, 3))
    break_day = date(2026, 1, 7)  # 4 January + 2 days of grace, judged the day after
    assert evaluate(ledger.creditor, break_day)["promises_broken"] == 1
    actions = _run_and_send(ledger, break_day)
    # The control customer waits for j+8 (only 6 days late); the broken promise does not.
    assert {(a.customer_id, a.step_key, a.tone) for a in actions} == {(c.pk, "j+8", "firm")}
    assert Action.objects.filter(
        customer=c, step_key="j+8", channel="email", status=ActionStatus.SENT
    ).exists()
    # Once that firmer message is sent, the schedule takes over again (no second jump).
    later = _run_and_send(ledger, date(2026, 1, 9))
    assert [(a.customer_id, a.step_key) for a in later if a.customer_id == c.pk] == []
    assert {a.step_key for a in later if a.customer_id == control.pk} == {"j+8"}


def test_never_reminded_then_broken_starts_firm_not_courteous(ledger: Ledger) -> None:
    c = debtor(ledger)
    ledger.invoice(c, "F-1", "1000.00", issued="2025-12-01", due="2026-01-01")
    # The promise was taken before any reminder (the customer called first).
    take_promise(c, amount_minor=100000, promised_on=date(2026, 1, 20), taken_on=date(2026, 1, 2))
    plan_run(ledger.creditor, date(2026, 1, 10))
    assert not Action.objects.exists()  # paused while pending
    # The run of the break day comes before the evaluation: the result is the same.
    actions = _run_and_send(ledger, date(2026, 1, 23))
    assert {(a.step_key, a.tone) for a in actions} == {("j+8", "firm")}
    assert evaluate(ledger.creditor, date(2026, 1, 23))["promises_broken"] == 1


def test_a_partly_kept_promise_resumes_on_the_usual_schedule(ledger: Ledger) -> None:
    c = debtor(ledger)
    f1 = ledger.invoice(c, "F-1", "1000.00", issued="2025-12-01", due="2026-01-01")
    take_promise(c, amount_minor=100000, promised_on=date(2026, 1, 3), taken_on=date(2026, 1, 2))
    ledger.payment(c, "100.00", on="2026-01-03", pays=[f1])
    evaluate(ledger.creditor, date(2026, 1, 6))
    actions = _run_and_send(ledger, date(2026, 1, 6))
    assert {(a.step_key, a.tone) for a in actions} == {("j+1", "courteous")}


# --------------------------------------------------------------------------- margins


def test_a_collector_promise_beyond_the_margin_waits_for_approval(ledger: Ledger) -> None:
    collector = ledger.user("col", Role.COLLECTOR)
    manager = ledger.user("boss", Role.CREDIT_MANAGER)
    c = debtor(ledger)
    f1 = ledger.invoice(c, "F-1", "1000.00", due="2026-03-01")
    promise = take_promise(
        c,
        amount_minor=100000,
        promised_on=date(2026, 5, 15),  # 75 days beyond the due date; a collector grants 30
        taken_on=date(2026, 3, 10),
        user=collector,
    )
    request = ApprovalRequest.objects.get(promise=promise)
    assert request.status == ApprovalStatus.PENDING
    assert "75 days beyond the due date of 2026-03-01, the margin is 30" in request.why
    assert pauses_until(f1) == [date(2026, 3, 31)]  # the pause only as far as the margin
    with pytest.raises(NotAllowed):
        decide(request, approve=True, user=collector, on=date(2026, 3, 11))
    decide(request, approve=True, user=manager, on=date(2026, 3, 11))
    assert pauses_until(f1) == [date(2026, 5, 17)]
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (ApprovalStatus.APPROVED, manager)


def test_a_refused_promise_is_cancelled(ledger: Ledger) -> None:
    collector = ledger.user("col", Role.COLLECTOR)
    manager = ledger.user("boss", Role.CREDIT_MANAGER)
    c = debtor(ledger)
    f1 = ledger.invoice(c, "F-1", "1000.00", due="2026-03-01")
    promise = take_promise(
        c,
        amount_minor=1000,
        promised_on=date(2026, 6, 1),
        taken_on=date(2026, 3, 1),
        user=collector,
    )
    request = ApprovalRequest.objects.get(promise=promise)
    with pytest.raises(BadInput, match="note: say why"):
        decide(request, approve=False, user=manager, on=date(2026, 3, 2))
    decide(request, approve=False, user=manager, on=date(2026, 3, 2), note="too far")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.CANCELLED
    assert pauses_until(f1) == [date(2026, 3, 1)]


def test_within_the_margin_no_approval_and_read_only_refused(ledger: Ledger) -> None:
    collector = ledger.user("col", Role.COLLECTOR)
    reader = ledger.user("ro", Role.READ_ONLY)
    c = debtor(ledger)
    ledger.invoice(c, "F-1", "1000.00", due="2026-03-01")
    take_promise(
        c,
        amount_minor=1000,
        promised_on=date(2026, 3, 25),
        taken_on=date(2026, 3, 2),
        user=collector,
    )
    assert not ApprovalRequest.objects.exists()
    with pytest.raises(NotAllowed):
        take_promise(
            c,
            amount_minor=1000,
            promised_on=date(2026, 3, 25),
            taken_on=date(2026, 3, 2),
            user=reader,
        )
    assert not ApprovalRequest.objects.exists()


def test_an_sms_reminder_keeps_the_courtesy_hours_but_no_cooldown(ledger: Ledger) -> None:
    c = debtor(ledger, email=False)
    ledger.contact(c, "", mobile="+33612345678", first_name="Ann")
    ledger.invoice(c, "F-1", "1000.00", due="2026-02-01")
    take_promise(c, amount_minor=40000, promised_on=date(2026, 3, 10), taken_on=date(2026, 3, 1))
    # A reminder sent two days before: a dunning message would wait for the 3-day cooldown.
    Action.objects.create(
        creditor=ledger.creditor,
        customer=c,
        currency="EUR",
        as_of=date(2026, 3, 8),
        step_key="j+30",
        step_offset=30,
        channel="sms",
        tone="firm",
        kind="reminder",
        status=ActionStatus.SENT,
        sent_on=date(2026, 3, 8),
        total_minor=100000,
        overdue_total_minor=100000,
        idempotency_key="earlier-sms",
    )
    evaluate(ledger.creditor, date(2026, 3, 9))
    night = datetime(2026, 3, 9, 21, 30, tzinfo=UTC)  # 22:30 in Paris
    assert dispatch(now=night) == {"postponed": 1}
    assert not CapturedMessage.objects.exists()
    # The next morning, within the courtesy hours, it goes (a recent reminder does not
    # hold it back: the debtor agreed to this one).
    assert dispatch(now=datetime(2026, 3, 10, 8, 0, tzinfo=UTC)) == {"sent": 1}
