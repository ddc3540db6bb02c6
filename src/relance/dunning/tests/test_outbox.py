"""Dispatch: claim, re-check, send once, record; against the capture backend and real SMTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from relance.channels.email.sink import Sink, free_port, smtp_settings
from relance.channels.models import CapturedMessage, Correspondence
from relance.customers.models import Customer
from relance.dunning.models import Action, ActionStatus, Attempt, AttemptOutcome, Pause
from relance.dunning.outbox import dispatch, dispatch_one, lease
from relance.dunning.services import plan_run
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

DAY = date(2025, 4, 1)
NOW = datetime(2025, 4, 1, 8, 0, tzinfo=UTC)


def customer(ledger: Ledger, name: str = "ACME", **contact: Any) -> Customer:
    c = ledger.customer(name, address_line1="3 rue Neuve", postal_code="69001", city="Lyon")
    fields: dict[str, Any] = {"first_name": "Jeanne", "last_name": "Martin"}
    fields.update(is_primary_billing=True, **contact)
    address = str(fields.pop("email", f"compta@{name.lower()}.example"))
    ledger.contact(c, address, **fields)
    return c


def planned(ledger: Ledger, *customers: Customer) -> list[Action]:
    for n, c in enumerate(customers):
        ledger.invoice(c, f"F-{c.pk}-{n}", "1234.56", issued="2025-03-01", due="2025-03-31")
    plan_run(ledger.creditor, DAY)
    return list(Action.objects.order_by("pk"))


def test_sent_once_through_capture_and_archived(ledger: Ledger) -> None:
    acme = customer(ledger)
    [action] = planned(ledger, acme)
    assert dispatch(now=NOW) == {"sent": 1}
    assert dispatch(now=NOW + timedelta(days=1)) == {}
    action.refresh_from_db()
    assert (action.status, action.sent_on, action.attempts) == (ActionStatus.SENT, DAY, 1)
    captured = CapturedMessage.objects.get()
    assert captured.recipient == "compta@acme.example"
    assert "Bonjour Jeanne Martin" in captured.body and f"F-{acme.pk}-0" in captured.body
    assert "1\u202f234,56\xa0€" in captured.body
    archived = Correspondence.objects.get()
    assert archived.action == action and archived.content_intact()
    archived.body += "tampered"
    assert not archived.content_intact()


def test_payment_between_plan_and_send_cancels(ledger: Ledger) -> None:
    acme = customer(ledger)
    [action] = planned(ledger, acme)
    invoice = acme.invoices.get()
    ledger.payment(acme, "1234.56", on=DAY, pays=[invoice])
    assert dispatch(now=NOW) == {"cancelled": 1}
    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED
    assert action.reason == "paid or credited since it was planned"
    assert not CapturedMessage.objects.exists()
    assert Attempt.objects.get().outcome == AttemptOutcome.CANCELLED


def test_pause_between_plan_and_send_cancels(ledger: Ledger) -> None:
    acme = customer(ledger)
    planned(ledger, acme)
    Pause.objects.create(creditor=ledger.creditor, customer=acme, reason="négociation")
    assert dispatch(now=NOW) == {"cancelled": 1}
    assert not CapturedMessage.objects.exists()


def test_opted_out_contacts_are_never_used(ledger: Ledger) -> None:
    acme = customer(ledger, opt_out_email=True)
    ledger.contact(acme, "ap@acme.example", last_name="Roux", role="accounts_payable")
    planned(ledger, acme)
    dispatch(now=NOW)
    assert CapturedMessage.objects.get().recipient == "ap@acme.example"


def test_no_usable_address_cancels_with_the_reason(ledger: Ledger) -> None:
    acme = customer(ledger, email="", phone="0472000000")
    [action] = planned(ledger, acme)
    dispatch(now=NOW)
    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED
    assert action.reason == "no email address usable (missing or opted out)"


def test_a_worker_that_died_mid_send_is_taken_over_and_the_message_stays_single(
    ledger: Ledger,
) -> None:
    acme = customer(ledger)
    [action] = planned(ledger, acme)

    class Killed(BaseException):
        pass

    def die(_action: Action) -> None:
        # The message went out, then the worker died before recording it.
        from relance.channels.capture.backend import CaptureBackend
        from relance.dunning.messages import render

        CaptureBackend().send(render(_action, DAY))
        raise Killed

    with pytest.raises(Killed):
        dispatch_one(NOW, before_send=die)
    action.refresh_from_db()
    assert action.status == ActionStatus.SENDING
    assert dispatch(now=NOW + lease() / 2) == {}  # the claim still holds
    assert dispatch(now=NOW + lease() + timedelta(seconds=1)) == {"sent": 1}
    assert CapturedMessage.objects.count() == 1 and Correspondence.objects.count() == 1
    attempts = list(Attempt.objects.order_by("number").values_list("number", "outcome", "error"))
    assert attempts == [
        (1, AttemptOutcome.STARTED, "the worker stopped during this attempt"),
        (2, AttemptOutcome.SENT, ""),
    ]


# --------------------------------------------------------------------------- real SMTP


@pytest.fixture
def smtp(settings: Any) -> Iterator[tuple[Sink, int]]:
    port = free_port()
    for name, value in smtp_settings(port).items():
        setattr(settings, name, value)
    yield Sink(), port


def test_email_through_a_real_smtp_server(ledger: Ledger, smtp: tuple[Sink, int]) -> None:
    inbox, port = smtp
    ledger.creditor.email = "compta@lambert.example"
    ledger.creditor.save()
    acme = customer(ledger)
    [action] = planned(ledger, acme)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert dispatch(now=NOW) == {"sent": 1}
    finally:
        controller.stop()
    [message] = inbox.messages
    assert message["To"] == "Jeanne Martin <compta@acme.example>"
    assert "compta@lambert.example" in message["From"]
    assert message["Message-ID"] == f"<{action.idempotency_key.replace(':', '.')}@relance.invalid>"
    body = message.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    assert f"F-{acme.pk}-0" in body
    assert Correspondence.objects.get().provider_id == message["Message-ID"]


def test_server_down_then_up_is_delivered_once(ledger: Ledger, smtp: tuple[Sink, int]) -> None:
    inbox, port = smtp
    acme = customer(ledger)
    [action] = planned(ledger, acme)
    assert dispatch(now=NOW) == {"retry": 1}  # nothing listens on the port yet
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED and action.next_attempt_at is not None
    assert dispatch(now=NOW + timedelta(seconds=30)) == {}  # waiting for its next attempt
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert dispatch(now=action.next_attempt_at) == {"sent": 1}
        assert dispatch(now=action.next_attempt_at + timedelta(hours=1)) == {}
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    outcomes = list(Attempt.objects.order_by("number").values_list("outcome", flat=True))
    assert outcomes == [AttemptOutcome.TRANSIENT, AttemptOutcome.SENT]


def test_a_poison_action_does_not_block_the_others(ledger: Ledger, smtp: tuple[Sink, int]) -> None:
    inbox, port = smtp
    inbox.refuse.add("compta@bad.example")
    bad = customer(ledger, "BAD")
    good = customer(ledger, "GOOD")
    planned(ledger, bad, good)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert dispatch(now=NOW) == {"failed": 1, "sent": 1}
    finally:
        controller.stop()
    failed = Action.objects.get(customer=bad)
    assert failed.status == ActionStatus.FAILED and "refused" in failed.reason
    assert [m["To"] for m in inbox.messages] == ["Jeanne Martin <compta@good.example>"]


def contacted(c: Customer, on: date) -> None:
    """A message sent to the customer outside this run (e.g. a manual send)."""
    Action.objects.create(
        creditor=c.creditor,
        customer=c,
        currency="EUR",
        as_of=on,
        step_key="manual",
        step_offset=0,
        channel="email",
        tone="courteous",
        kind="reminder",
        status=ActionStatus.SENT,
        sent_on=on,
        total_minor=0,
        overdue_total_minor=0,
        idempotency_key=f"manual-{c.pk}-{on}",
    )


def test_contact_rules_at_send_time_postpone_with_the_reason(ledger: Ledger) -> None:
    acme = customer(ledger)
    [action] = planned(ledger, acme)
    contacted(acme, date(2025, 3, 31))  # recorded after the plan was made
    assert dispatch(now=NOW) == {"postponed": 1}
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED and action.attempts == 0
    assert action.reason == "postponed: cooldown: last contact on 2025-03-31"
    assert action.next_attempt_at is not None
    assert timezone.localtime(action.next_attempt_at).date() == date(2025, 4, 3)
    assert dispatch(now=action.next_attempt_at) == {"sent": 1}


def test_contact_rules_at_plan_time_hold_back_with_the_reason(ledger: Ledger) -> None:
    from relance.dunning.models import Holdback

    acme = customer(ledger)
    contacted(acme, date(2025, 3, 30))
    assert planned(ledger, acme) == [Action.objects.get(step_key="manual")]
    held = Holdback.objects.get()
    assert (held.customer, held.reason) == (acme, "email: cooldown: last contact on 2025-03-30")


def test_a_letter_is_archived_with_its_pdf(ledger: Ledger, client: Any) -> None:
    from relance.accounts.models import Role
    from relance.dunning.models import PolicyStep
    from relance.dunning.services import ensure_default_policy

    policy = ensure_default_policy(ledger.creditor)
    PolicyStep.objects.filter(policy=policy, key="j+1").update(channels="letter")
    acme = customer(ledger)
    planned(ledger, acme)
    assert dispatch(now=NOW) == {"sent": 1}
    copy = Correspondence.objects.get()
    [pdf] = copy.attachments.all()
    assert copy.channel == "letter" and bytes(pdf.content).startswith(b"%PDF")
    assert pdf.mimetype == "application/pdf" and pdf.filename.endswith(".pdf")
    assert copy.content_intact()
    client.force_login(ledger.user("boss", Role.ADMIN))
    response = client.get(f"/correspondence/{copy.pk}/attachment/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == bytes(pdf.content)
    assert client.get(f"/correspondence/{copy.pk}/attachment/2/").status_code == 404
    type(pdf).objects.filter(pk=pdf.pk).update(content=b"%PDF-forged")
    copy.refresh_from_db()
    assert not copy.content_intact()
    page = client.get(f"/correspondence/{copy.pk}/").content.decode()
    assert "(content does not match its hash)" in page


# --------------------------------------------------------------------------- batches


def test_a_batch_rechecks_each_action_on_its_own(ledger: Ledger) -> None:
    paid, paused, good = (customer(ledger, name) for name in ("PAID", "PAUSED", "GOOD"))
    planned(ledger, paid, paused, good)
    ledger.payment(paid, "1234.56", on=DAY, pays=[paid.invoices.get()])
    Pause.objects.create(creditor=ledger.creditor, invoice=paused.invoices.get(), reason="litige")
    assert dispatch(now=NOW) == {"cancelled": 2, "sent": 1}
    reasons = dict(Action.objects.values_list("customer__legal_name", "reason"))
    assert reasons == {
        "PAID": "paid or credited since it was planned",
        "PAUSED": "every invoice paused or paid since it was planned",
        "GOOD": "",
    }
    assert [m.recipient for m in CapturedMessage.objects.all()] == ["compta@good.example"]


def test_a_batch_takes_one_action_per_customer(ledger: Ledger) -> None:
    from relance.dunning.outbox import _claim

    acme, other = customer(ledger), customer(ledger, "OTHER")
    planned(ledger, acme, other)
    # A second action for ACME, as a second channel of its message would be.
    first = Action.objects.get(customer=acme)
    first.pk = None
    first.channel, first.idempotency_key = "letter", first.idempotency_key + ":letter"
    first.save()
    claimed, outcomes = _claim(NOW, DAY, 10)
    assert outcomes == []
    assert sorted(c.action.customer.legal_name for c in claimed) == ["ACME", "OTHER"]
    waiting = Action.objects.get(customer=acme, status=ActionStatus.PLANNED)
    assert waiting.channel == "letter" and waiting.attempts == 0
