"""Disputes, call logs and notes through the API (docs/negotiation.md, docs/api.md).

Disputes: list, get, open, change status / owner / date, add a note, resolve. Calls: list a
customer's calls, log a call with its outcome (the promise taken or the dispute opened during
the call in the same transaction). Notes: list and add on a customer's file. Every role
reads (a collector their customers only); read_only changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from relance.api.auth import Caller, caller
from relance.api.common import (
    Limit,
    Offset,
    amount_text,
    customers_of,
    get_customer,
    page,
    page_body,
    parse_money,
)
from relance.api.errors import COMMON, ONE, WRITE, Issues, invalid, not_found
from relance.api.schemas import AMOUNT, BodyId, Day, Id, Input, Page
from relance.dunning.models import Action
from relance.ledger.models import CreditNote, Invoice
from relance.negotiation.calls import DisputeIn as CallDispute
from relance.negotiation.calls import PromiseIn as CallPromise
from relance.negotiation.calls import record_call
from relance.negotiation.disputes import ACTIVE, change, open_dispute, resolve
from relance.negotiation.models import CallLog, Dispute, Note
from relance.negotiation.notes import add_note
from relance.negotiation.screens import members_who_act

router = Router(tags=["disputes and calls"])

ReasonName = Literal[
    "price",
    "quantity",
    "quality",
    "not_received",
    "missing_po",
    "not_validated",
    "organisational",
    "other",
]
ResolutionName = Literal["credit_note", "corrected_invoice", "rejected", "paid", "withdrawn"]
OutcomeName = Literal[
    "reached",
    "no_answer",
    "wrong_number",
    "promise",
    "dispute",
    "plan_requested",
    "copy_requested",
    "call_back",
]


# --------------------------------------------------------------------------- schemas


class DisputeItemOut(Schema):
    invoice: int
    number: str
    amount: str = Field(description="Amount disputed.")
    open: str = Field(description="What is open on the invoice now.")
    held_back: bool = Field(description="Dunning holds the disputed amount back today.")


class DisputeOut(Schema):
    id: int
    customer: int
    currency: str
    reason: str
    description: str
    status: str = Field(description="open, in_progress or resolved.")
    resolution: str = Field(description="Empty until resolved.")
    resolution_note: str
    opened_on: date
    due_on: date | None = Field(description="The date to resolve it by.")
    resolved_on: date | None
    owner: int | None = Field(description="User id of the person in charge.")
    source: str
    credit_note: int | None
    corrected_invoice: int | None
    disputed: str = Field(description="Total disputed.")
    items: list[DisputeItemOut]


class DisputePage(Page):
    items: list[DisputeOut]


class DisputeItemIn(Input):
    invoice: BodyId
    amount: str | None = Field(
        None,
        min_length=1,
        max_length=40,
        description=AMOUNT + " Default: all that is open on the invoice.",
    )


class DisputeIn(Input):
    customer: BodyId
    reason: ReasonName
    items: list[DisputeItemIn] = Field(min_length=1, max_length=500)
    description: str = Field("", max_length=2000)
    opened_on: Day | None = Field(None, description="Default: today.")
    due_on: Day | None = Field(None, description="Default: 30 days after it is opened.")
    owner: BodyId | None = Field(None, description="User id of the person in charge.")
    note: str = Field("", max_length=5000)


class DisputePatch(Input):
    status: Literal["open", "in_progress"] | None = None
    owner: BodyId | None = Field(None, description="User id; null: nobody.")
    due_on: Day | None = None


class ResolveIn(Input):
    resolution: ResolutionName
    on: Day | None = Field(None, description="Default: today. Dunning resumes that day.")
    note: str = Field("", max_length=5000)
    credit_note: BodyId | None = Field(None, description="Required with credit_note.")
    corrected_invoice: BodyId | None = None


class NoteIn(Input):
    text: str = Field(min_length=1, max_length=5000)
    dispute: BodyId | None = None


class NoteOut(Schema):
    id: int
    customer: int
    text: str
    created_at: datetime
    author: int | None
    dispute: int | None


class NotePage(Page):
    items: list[NoteOut]


class PromiseIn(Input):
    amount: str = Field(min_length=1, max_length=40, description=AMOUNT)
    promised_on: Day
    invoices: list[BodyId] | None = Field(None, description="Default: every open invoice.")


class CallDisputeIn(Input):
    reason: ReasonName
    items: list[DisputeItemIn] = Field(min_length=1, max_length=500)
    description: str = Field("", max_length=2000)
    due_on: Day | None = None


class CallIn(Input):
    outcome: OutcomeName
    at: datetime | None = Field(None, description="With its time zone. Default: now.")
    contact: BodyId | None = None
    kind: Literal["call", "meeting"] = "call"
    direction: Literal["outbound", "inbound"] = "outbound"
    note: str = Field("", max_length=2000)
    call_back_on: Day | None = Field(None, description="Required with call_back.")
    action: BodyId | None = Field(None, description="The call or meeting task it carries out.")
    invoices: list[BodyId] | None = Field(
        None, description="copy_requested: the invoices whose copy is emailed."
    )
    promise: PromiseIn | None = Field(None, description="Required with promise.")
    dispute: CallDisputeIn | None = Field(None, description="Required with dispute.")


class CallOut(Schema):
    id: int
    customer: int
    contact: int | None
    kind: str
    direction: str
    number: str
    at: datetime
    on: date
    outcome: str
    call_back_on: date | None
    note: str
    user: int | None
    action: int | None
    promise: int | None
    dispute: int | None


class CallPage(Page):
    items: list[CallOut]


# --------------------------------------------------------------------------- helpers


def _dispute_out(dispute: Dispute, today: date) -> dict[str, Any]:
    items = list(dispute.items.select_related("invoice", "pause"))
    return {
        "id": dispute.pk,
        "customer": dispute.customer_id,
        "currency": dispute.currency,
        "reason": dispute.reason,
        "description": dispute.description,
        "status": dispute.status,
        "resolution": dispute.resolution,
        "resolution_note": dispute.resolution_note,
        "opened_on": dispute.opened_on,
        "due_on": dispute.due_on,
        "resolved_on": dispute.resolved_on,
        "owner": dispute.owner_id,
        "source": dispute.source,
        "credit_note": dispute.credit_note_id,
        "corrected_invoice": dispute.corrected_invoice_id,
        "disputed": amount_text(sum(i.amount_minor for i in items), dispute.currency),
        "items": [
            {
                "invoice": i.invoice_id,
                "number": i.invoice.number,
                "amount": amount_text(i.amount_minor, dispute.currency),
                "open": amount_text(i.invoice.open_minor, dispute.currency),
                "held_back": i.pause is not None
                and (i.pause.until is None or i.pause.until >= today),
            }
            for i in items
        ],
    }


def _call_out(log: CallLog) -> dict[str, Any]:
    return {
        "id": log.pk,
        "customer": log.customer_id,
        "contact": log.contact_id,
        "kind": log.kind,
        "direction": log.direction,
        "number": log.number,
        "at": log.at,
        "on": log.on,
        "outcome": log.outcome,
        "call_back_on": log.call_back_on,
        "note": log.note,
        "user": log.user_id,
        "action": log.action_id,
        "promise": log.promise_id,
        "dispute": log.dispute_id,
    }


def _note_out(note: Note) -> dict[str, Any]:
    return {
        "id": note.pk,
        "customer": note.customer_id,
        "text": note.text,
        "created_at": note.created_at,
        "author": note.author_id,
        "dispute": note.dispute_id,
    }


def _get_dispute(who: Caller, pk: int) -> Dispute:
    found = Dispute.objects.filter(pk=pk, customer__in=customers_of(who)).first()
    if found is None:
        raise not_found(_("Dispute %(id)s not found.") % {"id": pk})
    return found


def _owner(who: Caller, pk: int | None) -> Any:
    if pk is None:
        return None
    for user in members_who_act(who.creditor_id):
        if user.pk == pk:
            return user
    raise invalid(
        _("The data sent is not valid."),
        [
            {
                "field": "owner",
                "message": _("Not a member who may act on disputes."),
                "code": "invalid",
            }
        ],
    )


def _items(
    items: list[DisputeItemIn], currency: str, issues: Issues, prefix: str
) -> list[tuple[int, int | None]]:
    out: list[tuple[int, int | None]] = []
    for n, item in enumerate(items):
        minor = None
        if item.amount is not None:
            amount = parse_money(
                item.amount, currency, f"{prefix}items.{n}.amount", issues, allow_zero=False
            )
            minor = amount.minor if amount is not None else None
        out.append((item.invoice, minor))
    return out


# --------------------------------------------------------------------------- disputes


@router.get(
    "/disputes",
    response={200: DisputePage, **COMMON},
    summary="List disputes (open ones first by the date to resolve them by)",
)
def list_disputes(
    request: Any,
    status: Literal["active", "open", "in_progress", "resolved", "all"] = "active",
    customer: Id | None = None,
    owner: Id | None = None,
    reason: ReasonName | None = None,
    overdue: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    who = caller(request)
    today = timezone.localdate()
    qs = Dispute.objects.filter(customer__in=customers_of(who))
    if status == "active":
        qs = qs.filter(status__in=ACTIVE)
    elif status != "all":
        qs = qs.filter(status=status)
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if owner is not None:
        qs = qs.filter(owner_id=owner)
    if reason is not None:
        qs = qs.filter(reason=reason)
    if overdue:
        qs = qs.filter(status__in=ACTIVE, due_on__lt=today)
    count, rows = page(qs.order_by("status", "due_on", "pk"), limit, offset)
    return page_body(count, limit, offset, [_dispute_out(d, today) for d in rows])


@router.get("/disputes/{pk}", response={200: DisputeOut, **ONE}, summary="One dispute")
def get_dispute(request: Any, pk: Id) -> Any:
    return _dispute_out(_get_dispute(caller(request), pk), timezone.localdate())


@router.post(
    "/disputes",
    response={201: DisputeOut, **WRITE},
    summary="Open a dispute on invoices, or amounts of them (dunning holds back the disputed "
    "amounts only)",
)
def create_dispute(request: Any, payload: DisputeIn) -> Any:
    who = caller(request)
    who.need_write()
    customer = get_customer(who, payload.customer)
    issues = Issues()
    items = _items(payload.items, customer.currency, issues, "")
    issues.raise_if_any()
    dispute = open_dispute(
        customer,
        items=items,
        reason=payload.reason,
        opened_on=payload.opened_on or timezone.localdate(),
        user=who.user,
        owner=_owner(who, payload.owner),
        due_on=payload.due_on,
        description=payload.description,
        note=payload.note,
        source="api",
    )
    return Status(201, _dispute_out(dispute, timezone.localdate()))


@router.patch(
    "/disputes/{pk}",
    response={200: DisputeOut, **WRITE},
    summary="Change a dispute's status (open → in_progress), owner or date to resolve it by",
)
def update_dispute(request: Any, pk: Id, payload: DisputePatch) -> Any:
    who = caller(request)
    who.need_write()
    dispute = _get_dispute(who, pk)
    data = payload.dict(exclude_unset=True)
    kwargs: dict[str, Any] = {"status": data.get("status"), "due_on": data.get("due_on")}
    if "owner" in data:
        kwargs["owner"] = _owner(who, data["owner"])
    changed = change(dispute, user=who.user, **kwargs)
    return _dispute_out(changed, timezone.localdate())


@router.post(
    "/disputes/{pk}/notes",
    response={201: NoteOut, **WRITE},
    summary="Add a note to a dispute",
)
def add_dispute_note(request: Any, pk: Id, payload: NoteIn) -> Any:
    who = caller(request)
    who.need_write()
    dispute = _get_dispute(who, pk)
    note = add_note(dispute.customer, payload.text, user=who.user, dispute=dispute)
    return Status(201, _note_out(note))


@router.post(
    "/disputes/{pk}/resolve",
    response={200: DisputeOut, **WRITE},
    summary="Resolve a dispute (credit note, corrected invoice, rejected, withdrawn, paid); "
    "dunning resumes on what is still due",
)
def resolve_dispute(request: Any, pk: Id, payload: ResolveIn) -> Any:
    who = caller(request)
    who.need_write()
    dispute = _get_dispute(who, pk)
    credit_note = None
    if payload.credit_note is not None:
        credit_note = CreditNote.objects.filter(
            pk=payload.credit_note, creditor_id=who.creditor_id
        ).first()
        if credit_note is None:
            raise not_found(_("Credit note %(id)s not found.") % {"id": payload.credit_note})
    corrected = None
    if payload.corrected_invoice is not None:
        corrected = Invoice.objects.filter(
            pk=payload.corrected_invoice, creditor_id=who.creditor_id
        ).first()
        if corrected is None:
            raise not_found(_("Invoice %(ref)s not found.") % {"ref": payload.corrected_invoice})
    done = resolve(
        dispute,
        payload.resolution,
        on=payload.on or timezone.localdate(),
        user=who.user,
        note=payload.note,
        credit_note=credit_note,
        corrected_invoice=corrected,
    )
    return _dispute_out(done, timezone.localdate())


# --------------------------------------------------------------------------- calls


@router.get(
    "/customers/{customer_id}/calls",
    response={200: CallPage, **ONE},
    summary="List a customer's calls and meetings, newest first",
)
def list_calls(request: Any, customer_id: Id, limit: Limit = 50, offset: Offset = 0) -> Any:
    customer = get_customer(caller(request), customer_id)
    count, rows = page(
        CallLog.objects.filter(customer=customer).order_by("-at", "-pk"), limit, offset
    )
    return page_body(count, limit, offset, [_call_out(c) for c in rows])


@router.post(
    "/customers/{customer_id}/calls",
    response={201: CallOut, **WRITE},
    summary="Log a call or meeting with its outcome (one outbound call a day per customer)",
)
def log_customer_call(request: Any, customer_id: Id, payload: CallIn) -> Any:
    who = caller(request)
    who.need_write()
    customer = get_customer(who, customer_id)
    issues = Issues()
    contact = None
    if payload.contact is not None:
        contact = customer.contacts.filter(pk=payload.contact).first()
        if contact is None:
            issues.add("contact", _("Not a contact of this customer."))
    task = None
    if payload.action is not None:
        task = Action.objects.filter(pk=payload.action, customer=customer).first()
        if task is None:
            issues.add("action", _("Not a task of this customer."))
    new_promise = None
    if payload.promise is not None:
        amount = parse_money(
            payload.promise.amount, customer.currency, "promise.amount", issues, allow_zero=False
        )
        if amount is not None:
            new_promise = CallPromise(
                amount.minor, payload.promise.promised_on, payload.promise.invoices
            )
    new_dispute = None
    if payload.dispute is not None:
        new_dispute = CallDispute(
            payload.dispute.reason,
            _items(payload.dispute.items, customer.currency, issues, "dispute."),
            payload.dispute.description,
            payload.dispute.due_on,
        )
    issues.raise_if_any()
    log = record_call(
        customer,
        user=who.user,
        at=payload.at or timezone.now(),
        outcome=payload.outcome,
        new_promise=new_promise,
        new_dispute=new_dispute,
        contact=contact,
        kind=payload.kind,
        direction=payload.direction,
        note=payload.note,
        call_back_on=payload.call_back_on,
        action=task,
        invoices=payload.invoices,
    )
    return Status(201, _call_out(log))


# --------------------------------------------------------------------------- notes


@router.get(
    "/customers/{customer_id}/notes",
    response={200: NotePage, **ONE},
    summary="List the notes on a customer's file, newest first",
)
def list_notes(
    request: Any,
    customer_id: Id,
    dispute: Id | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    customer = get_customer(caller(request), customer_id)
    qs = Note.objects.filter(customer=customer)
    if dispute is not None:
        qs = qs.filter(dispute_id=dispute)
    count, rows = page(qs.order_by("-created_at", "-pk"), limit, offset)
    return page_body(count, limit, offset, [_note_out(n) for n in rows])


@router.post(
    "/customers/{customer_id}/notes",
    response={201: NoteOut, **WRITE},
    summary="Add a note to a customer's file (optionally about one of its disputes)",
)
def add_customer_note(request: Any, customer_id: Id, payload: NoteIn) -> Any:
    who = caller(request)
    who.need_write()
    customer = get_customer(who, customer_id)
    dispute = None
    if payload.dispute is not None:
        dispute = Dispute.objects.filter(pk=payload.dispute, customer=customer).first()
        if dispute is None:
            raise not_found(_("Dispute %(id)s not found.") % {"id": payload.dispute})
    return Status(201, _note_out(add_note(customer, payload.text, user=who.user, dispute=dispute)))
