"""Debtors' replies: list and read them, download an attachment, assign, classify, handle.

A collector sees the replies of their customers only; unmatched replies (no customer yet)
are seen and assigned by the roles that see every customer. Handling a reply ends the
pause it put on its customer's automatic reminders; handled as a promise with a date, it
records the promise (`fields.promise`), or is refused (400) with the reason and nothing written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, Router, Schema

from relance.api.auth import Caller, caller
from relance.api.common import Limit, Offset, get_customer, page, page_body
from relance.api.errors import COMMON, ONE, WRITE, forbidden, not_found
from relance.api.schemas import BodyId, Day, Id, Input, Page
from relance.replies.models import Reply
from relance.replies.services import assign, handle, ignore, visible_replies

router = Router(tags=["replies"])

StatusName = Literal["to_handle", "handled", "unmatched", "ignored"]
KindName = Literal["promise", "dispute", "payment_made", "invoice_copy", "out_of_office", "other"]


class RuleOut(Schema):
    rule: str
    kind: str
    evidence: str = Field(description="The words the rule fired on.")


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    refused: str = Field(
        description="Why it was not kept (too large, a forbidden type); empty when kept."
    )


class FieldsOut(Schema):
    date: dt.date | None = Field(None, description="The date promised or paid on.")
    amount: str | None = Field(None, description="Decimal amount as a string.")
    currency: str | None = None
    invoices: list[str] = Field(default_factory=list, description="Our invoice numbers quoted.")
    promise: int | None = Field(
        None,
        description="The promise recorded when the reply was handled as a promise with a date.",
    )


class ReplyOut(Schema):
    id: int
    customer: int | None
    status: StatusName
    source: str
    message_id: str
    in_reply_to: str
    from_address: str
    from_name: str
    to: str
    subject: str
    sent_at: dt.datetime | None
    received_at: dt.datetime
    match_method: str = Field(description="token, thread, sender, invoice, manual, or empty.")
    match_reason: str
    correspondence: int | None = Field(description="The archived message this one answers.")
    suggested: KindName
    suggested_fields: FieldsOut
    rules: list[RuleOut]
    classification: KindName | None
    fields: FieldsOut
    note: str
    handled_at: dt.datetime | None
    problems: list[str]
    raw_sha256: str
    attachments: list[AttachmentOut]


class ReplyDetailOut(ReplyOut):
    text: str


class ReplyPage(Page):
    items: list[ReplyOut]


class FieldsIn(Input):
    date: Day | None = None
    amount: str | None = Field(None, max_length=40, description='e.g. "1234.56".')
    currency: str | None = Field(None, min_length=3, max_length=3)
    invoices: list[str] | None = Field(None, max_length=50)


class HandleIn(Input):
    classification: KindName
    note: str = Field("", max_length=2000)
    on: Day | None = Field(
        None,
        description="The day it is handled (default: today): the reply's pause ends the day "
        "before, and a promise is taken on that day.",
    )
    fields: FieldsIn | None = Field(
        None,
        description="Default: the fields suggested, when the classification is the one suggested.",
    )


class AssignIn(Input):
    customer: BodyId


class IgnoreIn(Input):
    note: str = Field("", max_length=2000)


def _out(reply: Reply, text: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": reply.pk,
        "customer": reply.customer_id,
        "status": reply.status,
        "source": reply.source,
        "message_id": reply.message_id,
        "in_reply_to": reply.in_reply_to,
        "from_address": reply.from_address,
        "from_name": reply.from_name,
        "to": reply.to,
        "subject": reply.subject,
        "sent_at": reply.sent_at,
        "received_at": reply.received_at,
        "match_method": reply.match_method,
        "match_reason": reply.match_reason,
        "correspondence": reply.correspondence_id,
        "suggested": reply.suggested,
        "suggested_fields": reply.suggested_fields,
        "rules": reply.suggested_rules,
        "classification": reply.classification or None,
        "fields": reply.fields,
        "note": reply.note,
        "handled_at": reply.handled_at,
        "problems": reply.problems,
        "raw_sha256": reply.raw_sha256,
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "refused": a.refused,
            }
            for a in reply.attachments.all()
        ],
    }
    if text:
        body["text"] = reply.text
    return body


def _reply(who: Caller, pk: int) -> Reply:
    found = visible_replies(who.membership).filter(pk=pk).first()
    if found is None:
        raise not_found(f"Reply {pk} not found.")
    return found


@router.get("/replies", response={200: ReplyPage, **COMMON}, summary="Debtors' replies")
def list_replies(
    request: Any,
    status: StatusName | None = None,
    customer: Id | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    who = caller(request)
    qs = visible_replies(who.membership).prefetch_related("attachments")
    if status is not None:
        qs = qs.filter(status=status)
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    count, items = page(qs.order_by("-received_at", "-id"), limit, offset)
    return page_body(count, limit, offset, [_out(r) for r in items])


@router.get("/replies/{pk}", response={200: ReplyDetailOut, **ONE}, summary="One reply")
def get_reply(request: Any, pk: Id) -> Any:
    return _out(_reply(caller(request), pk), text=True)


@router.get(
    "/replies/{pk}/attachments/{attachment_id}",
    response={200: None, **ONE},
    summary="Download an attachment of a reply (always as a download)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file as received, Content-Disposition: attachment.",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download_attachment(request: Any, pk: Id, attachment_id: Id) -> Any:
    reply = _reply(caller(request), pk)
    found = reply.attachments.filter(pk=attachment_id).first()
    if found is None:
        raise not_found(f"Attachment {attachment_id} not found.")
    if not found.file:
        raise not_found(f"Attachment {attachment_id} was not kept: {found.refused}")
    with found.file.open("rb") as handle:
        content = handle.read()
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, found.name) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post(
    "/replies/{pk}/assign",
    response={200: ReplyDetailOut, **WRITE},
    summary="Assign a reply to a customer (its automatic reminders pause until it is handled)",
)
def assign_reply(request: Any, pk: Id, payload: AssignIn) -> Any:
    who = caller(request)
    who.need_write()
    if not who.membership.sees_all_customers:
        raise forbidden("Only the roles that see every customer assign replies.")
    reply = _reply(who, pk)
    customer = get_customer(who, payload.customer)
    return _out(assign(reply, customer, who.user), text=True)


@router.post(
    "/replies/{pk}/handle",
    response={200: ReplyDetailOut, **WRITE},
    summary="Confirm or change the classification and mark the reply handled (reminders resume)",
)
def handle_reply(request: Any, pk: Id, payload: HandleIn) -> Any:
    who = caller(request)
    who.need_write()
    reply = _reply(who, pk)
    fields = None
    if payload.fields is not None:
        fields = {k: v for k, v in payload.fields.model_dump().items() if v is not None}
        if "date" in fields:
            fields["date"] = fields["date"].isoformat()
    done = handle(
        reply, payload.classification, who.user, payload.note, fields=fields, on=payload.on
    )
    return _out(done, text=True)


@router.post(
    "/replies/{pk}/ignore",
    response={200: ReplyDetailOut, **WRITE},
    summary="Set a reply aside (nothing to do); its pause ends",
)
def ignore_reply(request: Any, pk: Id, payload: IgnoreIn) -> Any:
    who = caller(request)
    who.need_write()
    return _out(ignore(_reply(who, pk), who.user, payload.note), text=True)
