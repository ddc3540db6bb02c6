"""Pieces shared by promises, plans and settlements: payments received, pauses, waivers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db.models import Sum

from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.dunning.models import Action, ActionStatus, Pause
from relance.ledger.models import Allocation, Invoice, InvoiceStatus
from relance.negotiation.models import PenaltyWaiver


def open_invoices(customer: Customer, currency: str, ids: Iterable[int] | None) -> list[Invoice]:
    """The customer's open issued invoices in `currency` (those named, or all of them);
    BadInput naming the ids that are not."""
    qs = Invoice.objects.filter(
        customer=customer, currency=currency, status=InvoiceStatus.ISSUED, open_minor__gt=0
    )
    if ids is None:
        return list(qs.order_by("due_date", "id"))
    wanted = sorted(set(ids))
    found = {i.pk: i for i in qs.filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise BadInput(
            "invoices: not open invoices of this customer in "
            f"{currency}: {', '.join(str(pk) for pk in missing)}"
        )
    return sorted(found.values(), key=lambda i: (i.due_date, i.pk))


def paid_since(invoice_ids: Iterable[int], since: date, until: date) -> int:
    """Payments (not credit notes) received from `since` to `until` (included) and applied to
    these invoices, in minor units."""
    total = Allocation.objects.filter(
        invoice_id__in=list(invoice_ids),
        payment__isnull=False,
        payment__date__gte=since,
        payment__date__lte=until,
    ).aggregate(s=Sum("amount_minor"))["s"]
    return int(total or 0)


def payments_by_day(invoice_ids: Iterable[int], since: date, until: date) -> list[tuple[date, int]]:
    """(payment date, amount applied to these invoices), oldest first."""
    rows = (
        Allocation.objects.filter(
            invoice_id__in=list(invoice_ids),
            payment__isnull=False,
            payment__date__gte=since,
            payment__date__lte=until,
        )
        .values_list("payment__date", "amount_minor")
        .order_by("payment__date", "id")
    )
    return [(day, int(minor)) for day, minor in rows]


def pause_invoices(
    creditor_id: int, invoices: Iterable[Invoice], reason: str, until: date | None, user: Any
) -> list[Pause]:
    return Pause.objects.bulk_create(
        Pause(
            creditor_id=creditor_id,
            invoice=invoice,
            reason=reason[:200],
            until=until,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        for invoice in invoices
    )


def end_pause_rows(pause_ids: Iterable[int], on: date) -> int:
    """End pauses: the last paused day is the day before `on` (pauses already over stay)."""
    last = on - timedelta(days=1)
    ids = list(pause_ids)
    ended = Pause.objects.filter(pk__in=ids, until__isnull=True).update(until=last)
    return ended + Pause.objects.filter(pk__in=ids, until__gt=last).update(until=last)


def cancel_planned(action_id: int | None, reason: str) -> None:
    """Cancel a negotiation message not sent yet (its promise or plan ended)."""
    if action_id is None:
        return
    Action.objects.filter(
        pk=action_id, status__in=(ActionStatus.PLANNED, ActionStatus.NEEDS_APPROVAL)
    ).update(status=ActionStatus.CANCELLED, reason=reason[:200])


def waive_penalties(
    creditor_id: int,
    invoices: Iterable[Invoice],
    on: date,
    reason: str,
    user: Any,
    **subject: Any,
) -> list[PenaltyWaiver]:
    return PenaltyWaiver.objects.bulk_create(
        PenaltyWaiver(
            creditor_id=creditor_id,
            invoice=invoice,
            waived_on=on,
            reason=reason[:200],
            created_by=user if getattr(user, "is_authenticated", False) else None,
            **subject,
        )
        for invoice in invoices
    )


def waived_invoice_ids(invoice_ids: Iterable[int]) -> set[int]:
    """Invoices among these whose penalties are waived (an active waiver)."""
    return set(
        PenaltyWaiver.objects.filter(
            invoice_id__in=list(invoice_ids), lapsed_on__isnull=True
        ).values_list("invoice_id", flat=True)
    )
