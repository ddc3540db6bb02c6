"""Settlements: the offer and its margin, acceptance, the write-off credit note once the agreed
amount is paid, waived penalties, expiry, the accountant's CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from relance.accounts.models import Role
from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.dunning.models import Pause
from relance.ledger.models import CreditNote, Invoice
from relance.legal.penalty_invoices import draft_lines
from relance.negotiation.approvals import decide
from relance.negotiation.daily import evaluate
from relance.negotiation.margins import NotAllowed
from relance.negotiation.models import (
    ApprovalRequest,
    ApprovalStatus,
    PenaltyWaiver,
    Settlement,
    SettlementStatus,
)
from relance.negotiation.settlements import (
    accept_settlement,
    close_settlement,
    offer_settlement,
    write_offs_csv,
)
from relance.testing import Ledger

pytestmark = pytest.mark.django_db

OFFERED = date(2026, 3, 2)


def books(ledger: Ledger) -> tuple[Customer, Invoice, Invoice]:
    c = ledger.customer("Dupont SARL")
    f1 = ledger.invoice(c, "F-1", "1000.00", issued="2025-12-01", due="2026-01-01")
    f2 = ledger.invoice(c, "F-2", "500.00", issued="2025-12-15", due="2026-01-15")
    return c, f1, f2


def offer(ledger: Ledger, discount_minor: int = 15000, **kwargs: object) -> Settlement:
    c, f1, f2 = books(ledger)
    args: dict[str, object] = {
        "invoices": [f1.pk, f2.pk],
        "discount_minor": discount_minor,
        "valid_until": date(2026, 3, 31),
        "offered_on": OFFERED,
    }
    args.update(kwargs)
    return offer_settlement(c, **args)  # type: ignore[arg-type]


def test_paid_as_agreed_the_remainder_is_written_off_by_a_credit_note(ledger: Ledger) -> None:
    s = offer(ledger)  # 1500 owed, 150 discount: 1350 to pay
    assert (s.status, s.owed_minor) == (SettlementStatus.OFFERED, 150000)
    assert {p.until for p in Pause.objects.all()} == {date(2026, 3, 31)}
    accept_settlement(s, date(2026, 3, 5))
    f1, f2 = s.invoices.order_by("number")
    assert draft_lines(s.customer, date(2026, 3, 10)) == []  # penalties waived
    ledger.payment(s.customer, "1000.00", on="2026-03-10", pays=[f1])
    ledger.payment(s.customer, "300.00", on="2026-03-12", pays=[f2])  # 50 short
    assert evaluate(ledger.creditor, date(2026, 3, 12))["settlements_written_off"] == 0
    ledger.payment(s.customer, "50.00", on="2026-03-13", pays=[f2])
    assert evaluate(ledger.creditor, date(2026, 3, 13))["settlements_written_off"] == 1
    assert evaluate(ledger.creditor, date(2026, 3, 13))["settlements_written_off"] == 0
    s.refresh_from_db()
    assert (s.written_off_on, s.written_off_minor) == (date(2026, 3, 13), 15000)
    note = CreditNote.objects.get()
    assert (
        s.write_off == note and note.number == f"WO-{s.pk}" and note.total_incl_tax_minor == 15000
    )
    f2.refresh_from_db()
    assert f2.open_minor == 0 and f2.total_incl_tax_minor == 50000  # the invoice is unchanged
    assert {p.until for p in Pause.objects.all()} == {date(2026, 3, 12)}
    rows = list(
        csv.DictReader(io.StringIO(write_offs_csv(ledger.creditor.pk).decode()), delimiter=";")
    )
    assert [(r["invoice"], r["written_off"], r["credit_note"]) for r in rows] == [
        ("F-2", "150.00", f"WO-{s.pk}")
    ]
    assert rows[0]["owed"] == "1500.00" and rows[0]["discount"] == "150.00"


def test_unpaid_by_the_date_it_expires_and_the_waiver_lapses(ledger: Ledger) -> None:
    s = offer(ledger)
    accept_settlement(s, date(2026, 3, 5))
    ledger.payment(s.customer, "100.00", on="2026-03-20", pays=[s.invoices.get(number="F-1")])
    assert evaluate(ledger.creditor, date(2026, 3, 31))["settlements_expired"] == 0
    assert evaluate(ledger.creditor, date(2026, 4, 1))["settlements_expired"] == 1
    s.refresh_from_db()
    assert s.status == SettlementStatus.EXPIRED and s.written_off_on is None
    assert not PenaltyWaiver.objects.filter(lapsed_on__isnull=True).exists()
    assert {d.invoice.number for d in draft_lines(s.customer, date(2026, 4, 1))} == {"F-1", "F-2"}
    assert not CreditNote.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"discount_minor": 0}, "discount: must be greater than zero"),
        ({"discount_minor": 150000}, "discount: 1500.00 EUR is not below the amount owed"),
        ({"valid_until": date(2026, 3, 1)}, "valid_until: 2026-03-01 is before the offer"),
        ({"invoices": []}, "invoices: choose"),
        ({"invoices": [999999]}, "invoices: not open invoices"),
    ],
)
def test_bad_offers_are_refused(ledger: Ledger, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(BadInput, match=message):
        offer(ledger, **kwargs)  # type: ignore[arg-type]
    assert not Settlement.objects.exists()


def test_a_discount_beyond_the_collectors_margin_needs_approval(ledger: Ledger) -> None:
    collector = ledger.user("col", Role.COLLECTOR)
    manager = ledger.user("boss", Role.CREDIT_MANAGER)
    s = offer(ledger, discount_minor=15000, user=collector)  # 10 %, a collector grants 5 %
    assert s.status == SettlementStatus.NEEDS_APPROVAL
    request = ApprovalRequest.objects.get(settlement=s)
    assert request.why == "a discount of 10.00 %, the margin is 5 %"
    assert not Pause.objects.exists()
    with pytest.raises(BadInput, match="not offered"):
        accept_settlement(s, date(2026, 3, 3))
    with pytest.raises(NotAllowed):
        decide(request, approve=True, user=collector, on=date(2026, 3, 3))
    decide(request, approve=True, user=manager, on=date(2026, 3, 3))
    s.refresh_from_db()
    assert s.status == SettlementStatus.OFFERED and s.approved_by == manager
    assert Pause.objects.count() == 2


def test_within_the_margin_no_approval(ledger: Ledger) -> None:
    collector = ledger.user("col", Role.COLLECTOR)
    s = offer(ledger, discount_minor=7500, user=collector)  # exactly 5 %
    assert s.status == SettlementStatus.OFFERED
    assert not ApprovalRequest.objects.exists()


def test_a_manager_cannot_approve_their_own_request(ledger: Ledger) -> None:
    manager = ledger.user("boss", Role.CREDIT_MANAGER)
    s = offer(ledger, discount_minor=60000, user=manager)  # 40 %, a manager grants 30 %
    request = ApprovalRequest.objects.get(settlement=s)
    with pytest.raises(NotAllowed, match="someone other"):
        decide(request, approve=True, user=manager, on=date(2026, 3, 3))
    admin = ledger.user("admin", Role.ADMIN)
    decide(request, approve=False, user=admin, on=date(2026, 3, 3), note="too generous")
    s.refresh_from_db()
    assert s.status == SettlementStatus.REFUSED
    request.refresh_from_db()
    assert request.status == ApprovalStatus.REFUSED


def test_accepting_after_the_offer_expired_is_refused_and_withdrawal_ends_pauses(
    ledger: Ledger,
) -> None:
    s = offer(ledger)
    with pytest.raises(BadInput, match="valid until 2026-03-31"):
        accept_settlement(s, date(2026, 4, 1))
    close_settlement(s, date(2026, 3, 10), SettlementStatus.WITHDRAWN)
    assert {p.until for p in Pause.objects.all()} == {date(2026, 3, 9)}
    with pytest.raises(BadInput, match="nothing to close"):
        close_settlement(s, date(2026, 3, 11), SettlementStatus.REFUSED)
