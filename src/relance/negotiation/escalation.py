"""Dunning resumes firmer after a broken promise or a breached plan.

`broken_or_breached` is registered in relance.dunning.services.FIRMER_AFTER: for each
invoice it gives the day the promise on it broke or the plan covering it was breached. A
pending promise past its date and grace counts as broken from the day after its grace,
so that the order of the daily evaluation and the run on one day changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from relance.negotiation.models import (
    PaymentPlan,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from relance.negotiation.promises import PROMISE_GRACE_DAYS


def broken_or_breached(creditor_id: int, as_of: date) -> dict[int, date]:
    found: dict[int, date] = {}

    def put(invoice_id: int, day: date) -> None:
        if day <= as_of and (invoice_id not in found or day > found[invoice_id]):
            found[invoice_id] = day

    broken = Promise.invoices.through.objects.filter(
        promise__creditor_id=creditor_id, promise__status=PromiseStatus.BROKEN
    ).values_list("invoice_id", "promise__settled_on")
    for invoice_id, day in broken:
        if day is not None:
            put(invoice_id, day)
    late = Promise.invoices.through.objects.filter(
        promise__creditor_id=creditor_id,
        promise__status=PromiseStatus.PENDING,
        promise__promised_on__lt=as_of - timedelta(days=PROMISE_GRACE_DAYS),
    ).values_list("invoice_id", "promise__promised_on")
    for invoice_id, promised_on in late:
        put(invoice_id, promised_on + timedelta(days=PROMISE_GRACE_DAYS + 1))
    breached = PaymentPlan.invoices.through.objects.filter(
        paymentplan__creditor_id=creditor_id, paymentplan__status=PlanStatus.BREACHED
    ).values_list("invoice_id", "paymentplan__ended_on")
    for invoice_id, day in breached:
        if day is not None:
            put(invoice_id, day)
    return found
