"""E-invoice lifecycle statuses of an invoice (200–213, see docs/einvoices.md).

Recording a status is a ledger write (administrator, credit manager): 212 records a
payment, 207/208/210 pause dunning. The same status on the same date is kept once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import StrictInt

from relance.api.auth import caller
from relance.api.common import get_invoice
from relance.api.errors import ONE, WRITE, invalid
from relance.api.schemas import Day, Id, Input
from relance.einvoice.lifecycle import CODES, lift_pauses, payment_announced, record
from relance.einvoice.models import EventSource, LifecycleEvent

router = Router(tags=["e-invoicing"])


class LifecycleIn(Input):
    code: StrictInt = Field(description="Status code, 200 to 213.", ge=200, le=213)
    date: Day = Field(description="Date of the status (YYYY-MM-DD).")
    note: str = Field("", max_length=500)


class LifecycleEventOut(Schema):
    id: int
    invoice: int
    code: int
    label: str
    date: date
    note: str
    source: str
    pause: int | None = Field(description="The dunning pause this status opened.")
    payment: int | None = Field(description="The payment this status recorded (212).")
    created_at: datetime


class LifecycleRecordedOut(LifecycleEventOut):
    recorded: bool = Field(description="False: the same status and date were already there.")
    lifted: int = Field(description="Dunning pauses this status ended.")


class LiftIn(Input):
    date: Day = Field(description="First day dunning resumes (YYYY-MM-DD).")


class LiftOut(Schema):
    lifted: int = Field(description="Pauses opened by lifecycle statuses that were ended.")


class LifecycleListOut(Schema):
    payment_announced: bool = Field(description="A 211 status came with no 212 after it.")
    items: list[LifecycleEventOut]


def _out(e: LifecycleEvent) -> dict[str, Any]:
    return {
        "id": e.pk,
        "invoice": e.invoice_id,
        "code": e.code,
        "label": e.get_code_display(),
        "date": e.date,
        "note": e.note,
        "source": e.source,
        "pause": e.pause_id,
        "payment": e.payment_id,
        "created_at": e.created_at,
    }


@router.get(
    "/invoices/{invoice_id}/lifecycle",
    response={200: LifecycleListOut, **ONE},
    summary="List the lifecycle statuses of an invoice",
)
def list_lifecycle(request: Any, invoice_id: Id) -> Any:
    invoice = get_invoice(caller(request), invoice_id)
    events = invoice.lifecycle_events.order_by("date", "id")
    return {
        "payment_announced": payment_announced(invoice) is not None,
        "items": [_out(e) for e in events],
    }


@router.post(
    "/invoices/{invoice_id}/lifecycle",
    response={200: LifecycleRecordedOut, 201: LifecycleRecordedOut, **WRITE},
    summary="Record a lifecycle status (201 created, 200 when already recorded)",
)
def record_lifecycle(request: Any, invoice_id: Id, payload: LifecycleIn) -> Any:
    who = caller(request)
    invoice = get_invoice(who, invoice_id)
    who.need_ledger_write()
    if payload.code not in CODES:
        raise invalid(
            _("The data sent is not valid."),
            [{"field": "code", "message": _("Not a status from 200 to 213."), "code": "invalid"}],
        )
    done = record(
        invoice,
        payload.code,
        payload.date,
        note=payload.note,
        source=EventSource.API,
        user=who.user,
    )
    body = {**_out(done.event), "recorded": done.recorded, "lifted": done.lifted}
    return Status(201 if done.recorded else 200, body)


@router.post(
    "/invoices/{invoice_id}/lifecycle/lift",
    response={200: LiftOut, **WRITE},
    summary="End by hand the dunning pauses opened by lifecycle statuses (207/208/210)",
)
def lift_lifecycle_pauses(request: Any, invoice_id: Id, payload: LiftIn) -> Any:
    who = caller(request)
    invoice = get_invoice(who, invoice_id)
    who.need_write()
    return {"lifted": lift_pauses(invoice, payload.date)}
