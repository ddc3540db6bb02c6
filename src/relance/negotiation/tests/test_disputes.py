"""Disputes: opening (the pauses on the disputed amounts), changing, resolving, the daily
"paid" resolution, and every refusal (real database)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db.models import Q

from relance.accounts.models import Role
from relance.core.errors import BadInput
from relance.dunning.models import Pause
from relance.ledger.models import Invoice, InvoiceStatus
from relance.negotiation.disputes import (
    DISPUTE_DAYS,
    change,
    open_dispute,
    resolve,
    resolve_paid,
)
from relance.negotiation.models import Dispute, DisputeItem, DisputeStatus, Note
from relance.negotiation.notes import add_note
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 2)


def holding(invoice: Invoice, day: date) -> list[Pause]:
    return list(
        Pause.objects.filter(invoice=invoice).filter(Q(until__isnull=True) | Q(until__gte=day))
    )


@pytest.fixture
def acme(ledger: Ledger) -> Any:
    return ledger.customer("ACME SAS")


def test_open_pauses_the_disputed_amounts_only(ledger: Ledger, acme: Any) -> None:
    whole = ledger.invoice(acme, "F-1", "1200.00", due="2026-02-01")
    part = ledger.invoice(acme, "F-2", "1000.00", due="2026-02-10")
    ledger.invoice(acme, "F-3", "300.00", due="2026-02-10")
    owner = ledger.user("alice", Role.COLLECTOR)
    dispute = open_dispute(
        acme,
        items=[(whole.pk, None), (part.pk, 20000)],
        reason="quantity",
        opened_on=DAY,
        owner=owner,
        note="Livraison incomplète selon le client.",
    )
    assert dispute.status == DisputeStatus.OPEN and dispute.owner == owner
    assert dispute.due_on == DAY + timedelta(days=DISPUTE_DAYS)
    items = {i.invoice.number: i for i in dispute.items.select_related("invoice", "pause")}
    pauses = {number: item.pause for number, item in items.items() if item.pause is not None}
    assert items["F-1"].amount_minor == 120000 and pauses["F-1"].amount_minor is None
    assert items["F-2"].amount_minor == 20000 and pauses["F-2"].amount_minor == 20000
    assert f"dispute #{dispute.pk}" in pauses["F-2"].reason
    assert Pause.objects.count() == 2  # F-3 is not touched
    assert Note.objects.get(dispute=dispute).text == "Livraison incomplète selon le client."


def test_statuses_owner_and_date(ledger: Ledger, acme: Any) -> None:
    inv = ledger.invoice(acme, "F-1", "100.00", due="2026-02-01")
    dispute = open_dispute(acme, items=[(inv.pk, None)], reason="price", opened_on=DAY)
    bob = ledger.user("bob", Role.CREDIT_MANAGER)
    changed = change(dispute, status="in_progress", owner=bob, due_on=date(2026, 3, 20))
    assert (changed.status, changed.owner, changed.due_on) == (
        "in_progress",
        bob,
        date(2026, 3, 20),
    )
    with pytest.raises(BadInput, match="does not go back to open"):
        change(dispute, status="open")
    with pytest.raises(BadInput, match="nothing to change"):
        change(dispute, status="in_progress")
    with pytest.raises(BadInput, match="resolve"):
        change(dispute, status="resolved")
    with pytest.raises(BadInput, match="due_on"):
        change(dispute, due_on=date(2026, 1, 1))
    reader = ledger.user("reader", Role.READ_ONLY)
    with pytest.raises(BadInput, match="owner"):
        change(dispute, owner=reader)
    assert change(dispute, owner=None).owner is None


def test_resolved_rejected_ends_the_pauses_the_day_before(ledger: Ledger, acme: Any) -> None:
    inv = ledger.invoice(acme, "F-1", "100.00", due="2026-02-01")
    dispute = open_dispute(acme, items=[(inv.pk, None)], reason="price", opened_on=DAY)
    done = resolve(dispute, "rejected", on=date(2026, 3, 10), note="Prix conforme au devis.")
    assert (done.status, done.resolution, done.resolved_on) == (
        "resolved",
        "rejected",
        date(2026, 3, 10),
    )
    assert holding(inv, date(2026, 3, 9)) and not holding(inv, date(2026, 3, 10))
    with pytest.raises(BadInput, match="already resolved"):
        resolve(dispute, "withdrawn", on=date(2026, 3, 11))
    with pytest.raises(BadInput, match="resolved: it cannot be changed"):
        change(dispute, status="in_progress")
    # resolved: the invoice may be disputed again
    open_dispute(acme, items=[(inv.pk, 5000)], reason="quality", opened_on=date(2026, 4, 1))
    assert Pause.objects.get(invoice=inv, until__isnull=True).amount_minor == 5000


def test_credit_note_resolution_needs_a_credit_note_applying_to_the_invoice(
    ledger: Ledger, acme: Any
) -> None:
    inv = ledger.invoice(acme, "F-1", "1000.00", due="2026-02-01")
    other = ledger.invoice(acme, "F-2", "1000.00", due="2026-02-01")
    dispute = open_dispute(acme, items=[(inv.pk, 30000)], reason="price", opened_on=DAY)
    with pytest.raises(BadInput, match="credit_note: the resolution 'credit_note' needs"):
        resolve(dispute, "credit_note", on=DAY)
    elsewhere = ledger.credit_note(acme, "300.00", on=DAY, applies_to=other)
    with pytest.raises(BadInput, match="does not apply to the disputed invoices"):
        resolve(dispute, "credit_note", on=DAY, credit_note=elsewhere)
    stranger = ledger.customer("Autre")
    theirs = ledger.credit_note(stranger, "300.00", on=DAY)
    with pytest.raises(BadInput, match="not a credit note of this customer"):
        resolve(dispute, "credit_note", on=DAY, credit_note=theirs)
    with pytest.raises(BadInput, match="only with the resolution 'credit_note'"):
        resolve(dispute, "rejected", on=DAY, credit_note=elsewhere)
    note = ledger.credit_note(acme, "300.00", on=DAY, applies_to=inv)
    done = resolve(dispute, "credit_note", on=date(2026, 3, 5), credit_note=note)
    assert done.credit_note == note and not holding(inv, date(2026, 3, 5))


def test_corrected_invoice_resolution(ledger: Ledger, acme: Any) -> None:
    inv = ledger.invoice(acme, "F-1", "1000.00", due="2026-02-01")
    dispute = open_dispute(acme, items=[(inv.pk, None)], reason="missing_po", opened_on=DAY)
    with pytest.raises(BadInput, match="one of the disputed invoices"):
        resolve(dispute, "corrected_invoice", on=DAY, corrected_invoice=inv)
    new = ledger.invoice(acme, "F-1-BIS", "900.00", due="2026-04-01")
    with pytest.raises(BadInput, match="only with the resolution 'corrected_invoice'"):
        resolve(dispute, "withdrawn", on=DAY, corrected_invoice=new)
    done = resolve(dispute, "corrected_invoice", on=DAY, corrected_invoice=new)
    assert done.corrected_invoice == new


def test_paid_by_hand_only_when_nothing_is_open(ledger: Ledger, acme: Any) -> None:
    inv = ledger.invoice(acme, "F-1", "1000.00", due="2026-02-01")
    dispute = open_dispute(acme, items=[(inv.pk, 20000)], reason="price", opened_on=DAY)
    with pytest.raises(BadInput, match=r"F-1 has 1000\.00 EUR open"):
        resolve(dispute, "paid", on=DAY)


def test_resolve_paid_resolves_paid_disputes_once(ledger: Ledger, acme: Any) -> None:
    paid = ledger.invoice(acme, "F-1", "1000.00", due="2026-02-01")
    partly = ledger.invoice(acme, "F-2", "1000.00", due="2026-02-01")
    first = open_dispute(acme, items=[(paid.pk, 20000)], reason="price", opened_on=DAY)
    second = open_dispute(acme, items=[(partly.pk, 20000)], reason="price", opened_on=DAY)
    # the undisputed part paid: still in dispute
    ledger.payment(acme, "800.00", on=DAY, pays=[partly])
    assert resolve_paid(ledger.creditor, date(2026, 3, 5)) == 0
    ledger.payment(acme, "1000.00", on=DAY, pays=[paid])
    assert resolve_paid(ledger.creditor, date(2026, 3, 6)) == 1
    assert resolve_paid(ledger.creditor, date(2026, 3, 7)) == 0  # idempotent
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.resolution, first.resolved_on) == (
        "resolved",
        "paid",
        date(2026, 3, 6),
    )
    assert second.status == "open"
    assert not holding(paid, date(2026, 3, 6))
    # a dispute of another creditor is not this creditor's tick
    other = Ledger.create("Autre créancier")
    theirs = other.customer("X")
    inv = other.invoice(theirs, "X-1", "10.00", due="2026-02-01")
    open_dispute(theirs, items=[(inv.pk, None)], reason="price", opened_on=DAY)
    other.payment(theirs, "10.00", on=DAY, pays=[inv])
    assert resolve_paid(ledger.creditor, date(2026, 3, 8)) == 0
    assert resolve_paid(other.creditor, date(2026, 3, 8)) == 1


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no_items", "at least one invoice"),
        ("twice", "named more than once"),
        ("other_customer", "not invoices of this customer"),
        ("not_open", "F-PAID is not open"),
        ("cancelled", "F-CANCEL is not open"),
        ("zero", "greater than zero"),
        ("negative", "greater than zero"),
        ("above_open", "more than its open amount"),
        ("currencies", "one currency"),
        ("already", "already in dispute"),
        ("reason", "reason"),
        ("source", "source"),
        ("due_before", "due_on"),
        ("owner_elsewhere", "owner"),
    ],
)
def test_bad_disputes_are_refused_and_nothing_is_written(
    ledger: Ledger, acme: Any, case: str, message: str
) -> None:
    inv = ledger.invoice(acme, "F-1", "1000.00", due="2026-02-01")
    paid = ledger.invoice(acme, "F-PAID", "100.00", due="2026-02-01")
    ledger.payment(acme, "100.00", on=DAY, pays=[paid])
    cancelled = ledger.invoice(
        acme, "F-CANCEL", "100.00", due="2026-02-01", status=InvoiceStatus.CANCELLED
    )
    usd = ledger.invoice(acme, "F-USD", "100.00", due="2026-02-01", currency="USD")
    stranger = ledger.customer("Autre")
    theirs = ledger.invoice(stranger, "A-1", "100.00", due="2026-02-01")
    other_creditor = Ledger.create("Autre créancier")
    outsider = other_creditor.user("outsider", Role.ADMIN)
    if case == "already":
        open_dispute(acme, items=[(inv.pk, 100)], reason="price", opened_on=DAY)
    before = (Dispute.objects.count(), DisputeItem.objects.count(), Pause.objects.count())
    args: dict[str, Any] = {"items": [(inv.pk, None)], "reason": "price", "opened_on": DAY}
    cases: dict[str, dict[str, Any]] = {
        "no_items": {"items": []},
        "twice": {"items": [(inv.pk, None), (inv.pk, 100)]},
        "other_customer": {"items": [(theirs.pk, None)]},
        "not_open": {"items": [(paid.pk, None)]},
        "cancelled": {"items": [(cancelled.pk, None)]},
        "zero": {"items": [(inv.pk, 0)]},
        "negative": {"items": [(inv.pk, -100)]},
        "above_open": {"items": [(inv.pk, 100001)]},
        "currencies": {"items": [(inv.pk, None), (usd.pk, None)]},
        "already": {},
        "reason": {"reason": "mood"},
        "source": {"source": "pigeon"},
        "due_before": {"due_on": DAY - timedelta(days=1)},
        "owner_elsewhere": {"owner": outsider},
    }
    args.update(cases[case])
    with pytest.raises(BadInput, match=message):
        open_dispute(acme, **args)
    assert (Dispute.objects.count(), DisputeItem.objects.count(), Pause.objects.count()) == before


def test_notes(ledger: Ledger, acme: Any) -> None:
    inv = ledger.invoice(acme, "F-1", "100.00", due="2026-02-01")
    dispute = open_dispute(acme, items=[(inv.pk, None)], reason="price", opened_on=DAY)
    note = add_note(acme, "  Rappeler le service achats.  ", dispute=dispute)
    assert note.text == "Rappeler le service achats." and note.dispute == dispute
    with pytest.raises(BadInput, match="cannot be empty"):
        add_note(acme, "   ")
    with pytest.raises(BadInput, match="at most"):
        add_note(acme, "x" * 5001)
    stranger = ledger.customer("Autre")
    with pytest.raises(BadInput, match="not a dispute of this customer"):
        add_note(stranger, "note", dispute=dispute)


# --------------------------------------------------------------------------- e-invoice 207


@pytest.mark.parametrize(
    ("lifting", "resolution"), [(205, "withdrawn"), (209, "corrected_invoice"), (212, "paid")]
)
def test_einvoice_207_opens_a_dispute_the_lifting_status_resolves_it(
    ledger: Ledger, acme: Any, lifting: int, resolution: str
) -> None:
    from relance.einvoice.lifecycle import record

    inv = ledger.invoice(acme, "F-1", "1200.00", due="2026-02-01")
    done = record(inv, 207, DAY, note="quantité contestée")
    dispute = Dispute.objects.get()
    assert (dispute.source, dispute.reason, dispute.opened_on) == ("einvoice", "other", DAY)
    assert "207" in dispute.description and "quantité contestée" in dispute.description
    assert done.event.pause == dispute.items.get().pause and done.paused
    later = DAY + timedelta(days=5)
    assert record(inv, lifting, later).lifted == 1
    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolution, dispute.resolved_on) == (
        "resolved",
        resolution,
        later,
    )
    assert not holding(inv, later)


def test_einvoice_207_on_an_invoice_already_in_dispute(ledger: Ledger, acme: Any) -> None:
    from relance.einvoice.lifecycle import lift_pauses, record

    inv = ledger.invoice(acme, "F-1", "1200.00", due="2026-02-01")
    manual = open_dispute(acme, items=[(inv.pk, 10000)], reason="price", opened_on=DAY)
    done = record(inv, 207, DAY + timedelta(days=1))
    assert done.recorded and not done.paused and done.event.pause is None
    assert Dispute.objects.get() == manual and Pause.objects.count() == 1
    # a status pause lifted by hand resolves its dispute as rejected
    resolve(manual, "withdrawn", on=DAY + timedelta(days=2))
    record(inv, 207, DAY + timedelta(days=3))
    assert lift_pauses(inv, DAY + timedelta(days=4)) == 1
    last = Dispute.objects.exclude(pk=manual.pk).get()
    assert (last.status, last.resolution) == ("resolved", "rejected")
