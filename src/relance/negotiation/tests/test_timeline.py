"""The customer timeline: every provider, the order, the filters, the registry, the export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import translation

from relance.analytics.exports import to_csv, to_xlsx
from relance.channels.models import Correspondence, content_hash
from relance.customers.models import Customer
from relance.dunning.models import Pause
from relance.legal.models import LegalCase, LegalEvent
from relance.negotiation import timeline
from relance.negotiation.models import Note, Settlement
from relance.negotiation.tests.factories import (
    AS_OF,
    Desk,
    action,
    call,
    desk,
    dispute,
    moment,
    plan,
    promise,
)
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


def archive(customer: Customer, on: Any, subject: str, channel: str = "email", **kw: Any) -> Any:
    body = "Bonjour"
    return Correspondence.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        channel=channel,
        backend="capture",
        idempotency_key=f"k-{subject}",
        recipient="ap@acme.example",
        recipient_name="Jeanne Martin",
        subject=subject,
        body=body,
        sha256=content_hash(subject, body, "ap@acme.example"),
        sent_at=moment(on, 9),
        **kw,
    )


def full_file(world: Desk) -> Customer:
    """One event of every kind for ACME, in March 2025."""
    acme, led = world.acme, world.led
    reminder = action(acme, AS_OF - 30 * DAY, channel="email", step="j+1")
    archive(acme, AS_OF - 30 * DAY, "Rappel F-ACME-1", action=reminder)
    archive(acme, AS_OF - 29 * DAY, "Appel à passer : ACME", channel="call")
    led.payment(acme, "345.67", on=AS_OF - 28 * DAY, reference="VIR ACME")
    led.credit_note(acme, "100.00", on=AS_OF - 27 * DAY, number="AV-1", applies_to=None)
    call(acme, AS_OF - 26 * DAY, "promise", note="will pay on the 10th", user=world.alice)
    broken = promise(acme, 420_000, AS_OF - 21 * DAY, status="broken", settled_on=AS_OF - 19 * DAY)
    Note.objects.create(creditor=led.creditor, customer=acme, text="Gérant injoignable")
    plan(
        acme,
        [(AS_OF - 10 * DAY, 35_000, "paid"), (AS_OF - 5 * DAY, 35_000, "missed")],
        agreed_on=AS_OF - 18 * DAY,
    )
    opened = dispute(acme, world.acme_invoice, 50_000, opened_on=AS_OF - 17 * DAY)
    opened.status, opened.resolution, opened.resolved_on = (
        "resolved",
        "credit_note",
        AS_OF - 3 * DAY,
    )
    opened.save()
    Settlement.objects.create(
        creditor=led.creditor,
        customer=acme,
        owed_minor=1_000_000,
        discount_minor=100_000,
        valid_until=AS_OF + 10 * DAY,
        status="accepted",
        offered_on=AS_OF - 4 * DAY,
        accepted_on=AS_OF - 2 * DAY,
    )
    pause = Pause.objects.create(creditor=led.creditor, customer=acme, reason="litige en cours")
    pause.until = AS_OF
    pause.save()  # an audit-log update: the pause's end changed
    acme.status = "on_hold"
    acme.save()
    case = LegalCase.objects.create(
        creditor=led.creditor,
        customer=acme,
        route="payment_order",
        opened_on=AS_OF - DAY,
        claim_minor=1_234_567,
    )
    LegalEvent.objects.create(case=case, stage="notice_sent", on=AS_OF)
    assert broken.pk
    return acme


def test_every_kind_of_event_newest_first(ledger: Ledger) -> None:
    world = desk(ledger)
    acme = full_file(world)
    found = timeline.events(acme)
    # replies and portal actions (other apps' objects) are covered by test_sources.py
    assert {e.kind for e in found} == set(timeline.KINDS) - {"reply", "portal"}
    titles = [e.title for e in found]
    for expected in (
        "email sent: Rappel F-ACME-1",
        "phone call task for the collector: Appel à passer : ACME",
        "Payment received",
        "Credit note AV-1",
        "phone call (we called): promise to pay",
        "Promise to pay €4,200.00 by 10/03/2025 taken",
        "Promise of €4,200.00 broken",
        "Note",
        "Payment plan of €700.00 in 2 instalments agreed",
        "Instalment 1 of 2 (€350.00) paid",
        "Instalment 2 of 2 (€350.00) missed",
        "Dispute opened: quantity",
        "Dispute resolved: credit note issued",
        "Settlement offered: €1,000.00 off €10,000.00, valid until 10/04/2025",
        "Settlement accepted: €1,000.00 off €10,000.00",
        "Reminders paused",
        "Pause changed: litige en cours",
        "Status changed to on credit hold",
        "Legal case opened: court payment order (injonction de payer)",
        "Legal case: formal notice sent",
        "Invoice F-ACME-1 issued, due on 09/02/2025",
    ):
        assert expected in titles, expected
    days = [e.on for e in found]
    assert days == sorted(days, reverse=True)
    assert found[-1].title.startswith("Invoice F-ACME-1")  # the oldest event
    message = next(e for e in found if e.title == "email sent: Rappel F-ACME-1")
    copy = Correspondence.objects.get(subject="Rappel F-ACME-1")
    assert message.url == f"/correspondence/{copy.pk}/"
    assert message.detail == "step j+1, to Jeanne Martin, sent"
    assert message.amount_minor == 100_000
    called = next(e for e in found if e.kind == "call")
    assert called.by == "alice" and called.detail == "will pay on the 10th"
    status = next(e for e in found if e.title.startswith("Status changed"))
    assert status.detail == "was active"
    # nothing of BOLT
    assert "F-BOLT-1" not in " ".join(titles)


def test_filters_by_kind_and_date(ledger: Ledger) -> None:
    world = desk(ledger)
    acme = full_file(world)
    promises = timeline.events(acme, kinds=["promise"])
    assert [e.title for e in promises] == [
        "Promise of €4,200.00 broken",
        "Promise to pay €4,200.00 by 10/03/2025 taken",
    ]
    window = timeline.events(acme, start=AS_OF - 5 * DAY, end=AS_OF - 2 * DAY)
    assert window and all(AS_OF - 5 * DAY <= e.on <= AS_OF - 2 * DAY for e in window)
    assert {e.kind for e in window} == {"plan", "dispute", "settlement"}
    assert len(timeline.events(acme, limit=3)) == 3
    assert timeline.events(acme, kinds=["message"], end=AS_OF - 31 * DAY) == []


def test_a_new_provider_plugs_in_with_one_line(ledger: Ledger) -> None:
    world = desk(ledger)

    def replies(customer: Customer, start: Any, end: Any) -> list[timeline.Event]:
        return [timeline.Event("reply", AS_OF, "Reply received", ref="reply:1")]

    timeline.register({"reply": "replies"}, replies)
    try:
        found = timeline.events(world.acme, kinds=["reply"])
        assert [e.title for e in found] == ["Reply received"]
        assert ("reply", "replies") in timeline.kind_choices()
    finally:
        timeline.PROVIDERS.pop()
        del timeline.KINDS["reply"]


def test_export_as_csv_and_xlsx(ledger: Ledger) -> None:
    from openpyxl import load_workbook

    world = desk(ledger)
    acme = full_file(world)
    table = timeline.to_table(acme, timeline.events(acme, kinds=["promise", "payment"]))
    text = to_csv(table).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Date", "Time", "Kind", "Event", "Detail", "Amount", "Currency", "By"]
    assert rows[1][:4] == ["2025-03-12", "", "promises", "Promise of €4,200.00 broken"]
    assert rows[1][5:7] == ["4200.00", "EUR"]
    assert [
        "2025-03-03",
        "",
        "payments",
        "Payment received",
        "VIR ACME",
        "345.67",
        "EUR",
        "",
    ] in rows
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Date" and len(values) == len(rows)
    assert values[1][5] == 4200
