"""Settlements (remise, transaction): a discount for paying the rest by a date.

    offer_settlement(customer, invoices=[…], discount_minor=…, valid_until=…, offered_on=…,
                     user=…, penalties_waived=True) -> Settlement
    accept_settlement(settlement, on, user=None)        the debtor accepted
    close_settlement(settlement, on, status, user=None) refused by the debtor, or withdrawn
    evaluate_settlements(creditor, day)                 write-offs and expiry (daily)
    write_offs_csv(creditor_id, start, end) -> bytes    for the accountant

The offer covers open invoices of one customer and currency; `owed_minor` is their open
total, the discount is below it. Beyond the offerer's margin (discount percent) it waits in
`needs_approval` with an ApprovalRequest; approved, it is offered. Offered or accepted, it
pauses its invoices until `valid_until`.

Accepted with penalties waived, the penalties of its invoices are waived
(relance.negotiation.models.PenaltyWaiver: relance.legal.penalty_invoices bills none for
them). Once the payments received on its invoices since the offer reach the agreed amount
(owed less discount), the remainder still open is written off: issued invoices are never
modified (docs/architecture.md), so relance issues a write-off credit note `WO-<id>`
(reason "settlement #<id>") allocated to each invoice for its open amount, and records it on
the settlement (`write_off`, `written_off_on`, `written_off_minor`). Not paid by
`valid_until`: expired, pauses ended, waivers lapsed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from relance.core.errors import BadInput
from relance.core.models import Source as LedgerSource
from relance.creditors.models import Creditor
from relance.customers.models import Customer
from relance.domain.money import Money
from relance.ledger.models import Allocation, CreditNote, Invoice
from relance.ledger.services import allocate
from relance.negotiation.common import (
    end_pause_rows,
    open_invoices,
    paid_since,
    pause_invoices,
    waive_penalties,
)
from relance.negotiation.margins import margin_for, need_writer, open_request, settlement_excess
from relance.negotiation.models import (
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    PenaltyWaiver,
    Settlement,
    SettlementStatus,
)

LIVE = (SettlementStatus.NEEDS_APPROVAL, SettlementStatus.OFFERED, SettlementStatus.ACCEPTED)


def _amount(minor: int, currency: str) -> str:
    return str(Money.from_minor(minor, currency))


def _reason(s: Settlement) -> str:
    return f"settlement #{s.pk} offered until {s.valid_until.isoformat()}"


@transaction.atomic
def offer_settlement(
    customer: Customer,
    *,
    invoices: Iterable[int],
    discount_minor: int,
    valid_until: date,
    offered_on: date,
    user: Any = None,
    currency: str | None = None,
    penalties_waived: bool = True,
    note: str = "",
) -> Settlement:
    role = need_writer(user, customer.creditor_id)
    currency = currency or customer.currency
    ids = list(invoices)
    if not ids:
        raise BadInput("invoices: choose the invoices the settlement covers")
    covered = open_invoices(customer, currency, ids)
    owed = sum(i.open_minor for i in covered)
    if discount_minor <= 0:
        raise BadInput("discount: must be greater than zero")
    if discount_minor >= owed:
        raise BadInput(
            f"discount: {_amount(discount_minor, currency)} is not below the amount owed "
            f"({_amount(owed, currency)})"
        )
    if valid_until < offered_on:
        raise BadInput(
            f"valid_until: {valid_until.isoformat()} is before the offer ({offered_on.isoformat()})"
        )
    busy = (
        Settlement.invoices.through.objects.filter(
            invoice_id__in=[i.pk for i in covered], settlement__status__in=LIVE
        )
        .values_list("settlement_id", "invoice__number")
        .first()
    )
    if busy is not None:
        raise BadInput(f"invoices: {busy[1]} is already in settlement #{busy[0]}")
    why = ""
    if role is not None:
        why = settlement_excess(margin_for(customer.creditor_id, role), owed, discount_minor)
    settlement = Settlement.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        currency=currency,
        owed_minor=owed,
        discount_minor=discount_minor,
        valid_until=valid_until,
        status=SettlementStatus.NEEDS_APPROVAL if why else SettlementStatus.OFFERED,
        penalties_waived=penalties_waived,
        offered_on=offered_on,
        note=note,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    settlement.invoices.set(covered)
    if why:
        open_request(ApprovalKind.SETTLEMENT, settlement, customer, why, user)
    else:
        _pause(settlement, covered, user)
    return settlement


def _pause(settlement: Settlement, invoices: list[Invoice], user: Any) -> None:
    settlement.pauses.set(
        pause_invoices(
            settlement.creditor_id, invoices, _reason(settlement), settlement.valid_until, user
        )
    )


def approved(settlement: Settlement, user: Any) -> None:
    if settlement.status != SettlementStatus.NEEDS_APPROVAL:
        raise BadInput(f"settlement #{settlement.pk} is {settlement.status}, not awaiting approval")
    Settlement.objects.filter(pk=settlement.pk).update(
        status=SettlementStatus.OFFERED, approved_by=user
    )
    settlement.status = SettlementStatus.OFFERED
    _pause(settlement, list(settlement.invoices.all()), user)


def refused(settlement: Settlement, on: date) -> None:
    if settlement.status == SettlementStatus.NEEDS_APPROVAL:
        _end(settlement, SettlementStatus.REFUSED, on)


def _end(settlement: Settlement, status: str, on: date) -> None:
    Settlement.objects.filter(pk=settlement.pk).update(status=status)
    settlement.status = status
    end_pause_rows(settlement.pauses.values_list("pk", flat=True), on)
    PenaltyWaiver.objects.filter(settlement=settlement, lapsed_on__isnull=True).update(lapsed_on=on)


@transaction.atomic
def accept_settlement(settlement: Settlement, on: date, *, user: Any = None) -> Settlement:
    need_writer(user, settlement.creditor_id)
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.status != SettlementStatus.OFFERED:
        raise BadInput(f"settlement #{settlement.pk} is {settlement.status}, not offered")
    if on > settlement.valid_until:
        raise BadInput(
            f"accepted_on: the offer was valid until {settlement.valid_until.isoformat()}"
        )
    if on < settlement.offered_on:
        raise BadInput("accepted_on: before the offer was made")
    Settlement.objects.filter(pk=settlement.pk).update(
        status=SettlementStatus.ACCEPTED, accepted_on=on
    )
    settlement.status, settlement.accepted_on = SettlementStatus.ACCEPTED, on
    if settlement.penalties_waived:
        waive_penalties(
            settlement.creditor_id,
            settlement.invoices.all(),
            on,
            f"settlement #{settlement.pk}",
            user,
            settlement=settlement,
        )
    return settlement


@transaction.atomic
def close_settlement(
    settlement: Settlement, on: date, status: str, *, user: Any = None
) -> Settlement:
    """The debtor refused the offer (`refused`), or we withdraw it (`withdrawn`)."""
    need_writer(user, settlement.creditor_id)
    if status not in (SettlementStatus.REFUSED, SettlementStatus.WITHDRAWN):
        raise BadInput("status: refused or withdrawn")
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.status not in LIVE or settlement.written_off_on is not None:
        raise BadInput(f"settlement #{settlement.pk} is {settlement.status}: nothing to close")
    _end(settlement, status, on)
    ApprovalRequest.objects.filter(settlement=settlement, status=ApprovalStatus.PENDING).update(
        status=ApprovalStatus.REFUSED, decision_note=f"settlement {status}"
    )
    return settlement


def agreed_minor(settlement: Settlement) -> int:
    return settlement.owed_minor - settlement.discount_minor


def write_off(settlement: Settlement, day: date) -> CreditNote | None:
    """Write off what its invoices still owe with one credit note (None when nothing is)."""
    invoices = list(settlement.invoices.filter(open_minor__gt=0).order_by("due_date", "id"))
    remainder = sum(i.open_minor for i in invoices)
    note: CreditNote | None = None
    if remainder > 0:
        try:
            with transaction.atomic():
                note = CreditNote.objects.create(
                    creditor_id=settlement.creditor_id,
                    customer_id=settlement.customer_id,
                    number=f"WO-{settlement.pk}",
                    issue_date=day,
                    currency=settlement.currency,
                    total_incl_tax_minor=remainder,
                    reason=f"settlement #{settlement.pk}: remainder written off",
                    source=LedgerSource.MANUAL,
                )
        except IntegrityError as exc:
            raise BadInput(
                f"credit note WO-{settlement.pk} exists already: write-off not recorded"
            ) from exc
        for invoice in invoices:
            allocate(
                invoice,
                credit_note=note,
                amount=Money.from_minor(invoice.open_minor, invoice.currency),
                on=day,
            )
    Settlement.objects.filter(pk=settlement.pk).update(
        write_off=note, written_off_on=day, written_off_minor=remainder
    )
    settlement.write_off, settlement.written_off_on = note, day
    settlement.written_off_minor = remainder
    end_pause_rows(settlement.pauses.values_list("pk", flat=True), day)
    return note


def evaluate_settlements(creditor: Creditor, day: date) -> dict[str, int]:
    counts = {"settlements_written_off": 0, "settlements_expired": 0}
    live = Settlement.objects.filter(
        creditor=creditor,
        status__in=(SettlementStatus.OFFERED, SettlementStatus.ACCEPTED),
        written_off_on__isnull=True,
    ).order_by("pk")
    for settlement in live:
        with transaction.atomic():
            if settlement.status == SettlementStatus.ACCEPTED:
                ids = list(settlement.invoices.values_list("pk", flat=True))
                paid = paid_since(ids, settlement.offered_on, day)
                if paid >= agreed_minor(settlement):
                    write_off(settlement, day)
                    counts["settlements_written_off"] += 1
                    continue
            if day > settlement.valid_until:
                _end(settlement, SettlementStatus.EXPIRED, day)
                counts["settlements_expired"] += 1
    return counts


def write_offs_csv(creditor_id: int, start: date | None = None, end: date | None = None) -> bytes:
    """One row per invoice written off: date, settlement, customer, credit note, invoice,
    amount written off, the settlement's figures (decimal strings, semicolon-separated)."""
    qs = Settlement.objects.filter(
        creditor_id=creditor_id, written_off_on__isnull=False, write_off__isnull=False
    ).select_related("customer", "write_off")
    if start is not None:
        qs = qs.filter(written_off_on__gte=start)
    if end is not None:
        qs = qs.filter(written_off_on__lte=end)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(
        [
            "date",
            "settlement",
            "customer_ref",
            "customer",
            "credit_note",
            "invoice",
            "written_off",
            "currency",
            "owed",
            "discount",
            "accepted_on",
        ]
    )
    for s in qs.order_by("written_off_on", "pk"):
        assert s.write_off is not None
        rows = Allocation.objects.filter(credit_note=s.write_off).select_related("invoice")
        for alloc in rows.order_by("invoice__number"):
            writer.writerow(
                [
                    s.written_off_on.isoformat() if s.written_off_on else "",
                    s.pk,
                    s.customer.external_ref,
                    s.customer.legal_name,
                    s.write_off.number,
                    alloc.invoice.number,
                    Money.from_minor(alloc.amount_minor, s.currency).amount,
                    s.currency,
                    Money.from_minor(s.owed_minor, s.currency).amount,
                    Money.from_minor(s.discount_minor, s.currency).amount,
                    s.accepted_on.isoformat() if s.accepted_on else "",
                ]
            )
    return out.getvalue().encode("utf-8")
