"""Manual sends share the outbox and history; review-queue edits; previews as the worker renders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from relance.channels.models import CapturedMessage, Correspondence
from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.dunning.manual import edit, preview, preview_manual, send_now
from relance.dunning.models import Action, ActionStatus, Holdback, Origin
from relance.dunning.outbox import dispatch
from relance.dunning.services import Decision, decide, plan_run
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

DUE = date(2025, 3, 31)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def acme(ledger: Ledger) -> Customer:
    c = ledger.customer("ACME", address_line1="3 rue Neuve", postal_code="69001", city="Lyon")
    ledger.contact(c, "compta@acme.example", first_name="Jeanne", is_primary_billing=True)
    ledger.contact(c, "dg@acme.example", first_name="Paul", last_name="Durand")
    ledger.invoice(c, "F-1", "1234.56", issued="2025-03-01", due=DUE)
    return c


def test_no_reminder_the_morning_after_a_manual_email(ledger: Ledger) -> None:
    c = acme(ledger)
    day = DUE + timedelta(days=2)  # j+1 is due, nobody reminded yet
    user = ledger.user("boss")
    action = send_now(
        c, "EUR", day, channel="email", tone="firm", note="Suite à notre appel.", user=user
    )
    assert (action.origin, action.step_key, action.status) == (Origin.MANUAL, "j+1", "planned")
    assert action.items.get().advances
    assert dispatch(now=at(day)) == {"sent": 1}
    mail = CapturedMessage.objects.get()
    assert "Suite à notre appel." in mail.body and "F-1" in mail.body
    assert Correspondence.objects.get().action_id == action.pk
    # The morning after: the run sees the manual email as the effective j+1.
    result = plan_run(ledger.creditor, day + timedelta(days=1))
    assert result.actions == []
    # After the cooldown, still nothing: j+8 keeps its spacing from the manual j+1.
    later = plan_run(ledger.creditor, day + timedelta(days=5))
    assert later.actions == []
    assert not Holdback.objects.filter(run=later.run).exists()
    # The spacing runs from the manual send: j+8 comes 7 days after it.
    assert [a.step.key for a in plan_run(ledger.creditor, day + timedelta(days=7)).actions] == [
        "j+8",
        "j+8",
    ]


def test_a_manual_send_supersedes_the_planned_reminder_of_the_day(ledger: Ledger) -> None:
    c = acme(ledger)
    day = DUE + timedelta(days=2)
    plan_run(ledger.creditor, day)
    planned = Action.objects.get(origin=Origin.RUN)
    send_now(c, "EUR", day, channel="email", tone="courteous")
    planned.refresh_from_db()
    assert (planned.status, planned.reason) == (
        ActionStatus.CANCELLED,
        "superseded by a manual send",
    )
    assert dispatch(now=at(day)) == {"sent": 1}
    assert CapturedMessage.objects.count() == 1


def test_manual_send_refuses_bad_input(ledger: Ledger) -> None:
    c = acme(ledger)
    day = DUE + timedelta(days=2)
    with pytest.raises(BadInput, match="channel"):
        send_now(c, "EUR", day, channel="pigeon", tone="firm")
    with pytest.raises(BadInput, match="tone"):
        send_now(c, "EUR", day, channel="email", tone="rude")
    with pytest.raises(BadInput, match="SMS cannot carry"):
        send_now(c, "EUR", day, channel="sms", tone="firm", note="hello")
    with pytest.raises(BadInput, match="not a currency code"):
        send_now(c, "ZZZ", day, channel="email", tone="firm")
    with pytest.raises(BadInput, match="nothing overdue"):
        send_now(c, "USD", day, channel="email", tone="firm")
    other = ledger.customer("Other")
    stranger = ledger.contact(other, "x@other.example")
    with pytest.raises(BadInput, match="contact"):
        send_now(c, "EUR", day, channel="email", tone="firm", contact=stranger)
    assert not Action.objects.exists()


def test_preview_renders_exactly_what_the_worker_sends(ledger: Ledger) -> None:
    c = acme(ledger)
    day = DUE + timedelta(days=2)
    paul = c.contacts.get(first_name="Paul")
    shown = preview_manual(c, "EUR", day, channel="email", tone="firm", note="Merci.", contact=paul)
    assert not Action.objects.exists()  # the preview keeps nothing
    action = send_now(c, "EUR", day, channel="email", tone="firm", note="Merci.", contact=paul)
    again = preview(action, day)
    dispatch(now=at(day))
    mail = CapturedMessage.objects.get()
    assert mail.recipient == "dg@acme.example"
    assert (shown.subject, shown.body) == (again.subject, again.body) == (mail.subject, mail.body)


def test_letter_preview_has_the_pdf(ledger: Ledger) -> None:
    c = acme(ledger)
    shown = preview_manual(c, "EUR", DUE + timedelta(days=2), channel="letter", tone="firm")
    assert shown.attachments and shown.attachments[0].content.startswith(b"%PDF")


def formal_notice(ledger: Ledger) -> tuple[Customer, Action]:
    c = acme(ledger)
    # Reach j+45 (registered letter, needs approval) through real runs and sends.
    for offset in (1, 8, 15, 30):
        plan_run(ledger.creditor, DUE + timedelta(days=offset))
        Action.objects.filter(status=ActionStatus.PLANNED).update(
            status=ActionStatus.SENT, sent_on=DUE + timedelta(days=offset)
        )
    plan_run(ledger.creditor, DUE + timedelta(days=45))
    waiting = Action.objects.get(status=ActionStatus.NEEDS_APPROVAL)
    return c, waiting


def test_edit_then_approve_sends_the_edited_message(ledger: Ledger) -> None:
    c, waiting = formal_notice(ledger)
    boss = ledger.user("boss")
    paul = c.contacts.get(first_name="Paul")
    edit(
        ledger.creditor.pk,
        waiting.pk,
        reason="le DG a demandé à recevoir les courriers",
        user=boss,
        note="Comme convenu lors de notre rendez-vous du 10 mai.",
        contact_id=paul.pk,
    )
    waiting.refresh_from_db()
    [entry] = waiting.edits
    assert entry["by"] == "boss" and entry["reason"].startswith("le DG")
    assert entry["changes"]["contact"][1] == paul.pk
    log = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Action), object_id=waiting.pk
    )
    assert log.actor == boss and "contact" in log.changes_dict
    assert decide(ledger.creditor.pk, [waiting.pk], Decision.APPROVE, user=boss) == 1
    day = DUE + timedelta(days=45)
    assert dispatch(now=at(day)) == {"sent": 1}
    sent = Correspondence.objects.get(action=waiting)
    assert "Paul Durand" in sent.recipient
    assert "Comme convenu lors de notre rendez-vous du 10 mai." in sent.body
    [letter] = sent.attachments.all()
    assert bytes(letter.content).startswith(b"%PDF")


def test_edit_refuses_what_it_cannot_do(ledger: Ledger) -> None:
    _c, waiting = formal_notice(ledger)
    cid = ledger.creditor.pk
    with pytest.raises(BadInput, match="reason"):
        edit(cid, waiting.pk, reason=" ", tone="firm")
    with pytest.raises(BadInput, match="not a channel of step j\\+45"):
        edit(cid, waiting.pk, reason="x", channel="email")
    with pytest.raises(BadInput, match="tone"):
        edit(cid, waiting.pk, reason="x", tone="rude")
    stranger = ledger.contact(ledger.customer("Other"), "x@other.example")
    with pytest.raises(BadInput, match="not a contact of this customer"):
        edit(cid, waiting.pk, reason="x", contact_id=stranger.pk)
    with pytest.raises(BadInput, match="nothing to change"):
        edit(cid, waiting.pk, reason="x", tone=waiting.tone)
    other = Ledger.create("Autre SARL")
    with pytest.raises(BadInput, match="not found"):
        edit(other.creditor.pk, waiting.pk, reason="x", tone="firm")
    decide(cid, [waiting.pk], Decision.APPROVE)
    with pytest.raises(BadInput, match="only actions awaiting approval"):
        edit(cid, waiting.pk, reason="x", tone="firm")
    waiting.refresh_from_db()
    assert waiting.edits == [] and waiting.tone == "formal"
