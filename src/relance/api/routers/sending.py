"""Account statements, evidence files, and the review queue's edit and preview of an action."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import StrictBool

from relance.api.auth import caller
from relance.api.common import amount_text, check_currency, customers_of, get_customer
from relance.api.errors import ONE, WRITE, Issues, invalid, not_found
from relance.api.routers.dunning import ActionOut, _action_out
from relance.api.schemas import BodyId, Id, Input
from relance.core.errors import BadInput
from relance.dunning.documents import build_statement
from relance.dunning.evidence import export_evidence
from relance.dunning.manual import edit, preview, preview_manual, send_now
from relance.dunning.messages import Unsendable
from relance.dunning.models import Action
from relance.dunning.sending import plan_statement
from relance.ledger.models import Invoice

router = Router(tags=["statements"])


class StatementIn(Input):
    currency: str | None = Field(
        None, min_length=3, max_length=3, description="Default: the customer's currency."
    )
    channel: Literal["email", "letter"] = "email"
    send: StrictBool = Field(
        False, description="true: plan the statement for the worker to send; false: only show it."
    )


class StatementItemOut(Schema):
    invoice: int
    number: str
    issue_date: str
    due_date: str
    total: str
    open: str
    days_overdue: int


class StatementPaymentOut(Schema):
    payment: int
    date: str
    reference: str
    amount: str


class StatementOut(Schema):
    customer: int
    currency: str
    as_of: str
    since: str = Field(description="The period of the payments listed: (since, as_of].")
    items: list[StatementItemOut]
    payments: list[StatementPaymentOut]
    open_total: str
    on_account: str = Field(description="Payments and credit notes not matched to an invoice.")
    balance: str
    action: int | None = Field(description="The action that sends it (send=true).")
    created: bool = Field(description="false: the statement of the day was already planned.")


class EditIn(Input):
    reason: str = Field(min_length=1, max_length=200)
    channel: str | None = Field(None, max_length=20, description="One of the step's channels.")
    tone: Literal["courteous", "firm", "formal"] | None = None
    note: str | None = Field(None, max_length=2000, description="Added to the message.")
    contact: BodyId | None = Field(None, description="One of the customer's contacts.")


class ReminderIn(Input):
    currency: str | None = Field(
        None, min_length=3, max_length=3, description="Default: the customer's currency."
    )
    #: the channels of relance.dunning.manual.MANUAL_CHANNELS
    channel: Literal["email", "sms", "letter", "registered_letter"]
    tone: Literal["courteous", "firm", "formal"]
    note: str = Field("", max_length=2000, description="Added to the message (not on SMS).")
    contact: BodyId | None = Field(None, description="One of the customer's contacts.")
    preview: StrictBool = Field(False, description="true: render the message, write nothing.")


class PreviewOut(Schema):
    action: int | None = Field(description="The action written (null for a preview).")
    channel: str
    recipient: str
    recipient_name: str
    subject: str
    body: str
    attachment: str = Field(description="File name of the PDF the message carries ('' if none).")


@router.post(
    "/customers/{customer_id}/statement",
    response={200: StatementOut, **WRITE},
    summary="Show a customer's account statement, or plan it for sending (send=true)",
)
def statement(request: Any, customer_id: Id, payload: StatementIn) -> Any:
    who = caller(request)
    if payload.send:
        who.need_write()
    customer = get_customer(who, customer_id)
    issues = Issues()
    currency = check_currency(payload.currency or customer.currency, "currency", issues)
    issues.raise_if_any()
    today = timezone.localdate()
    built = build_statement(customer, currency, today)
    action_id, created = None, False
    if payload.send:
        try:
            planned = plan_statement(
                customer, currency, today, channel=payload.channel, user=who.user
            )
        except BadInput as exc:
            raise invalid(
                _("This customer has no open invoice to state."),
                [{"field": "currency", "message": str(exc), "code": "nothing_open"}],
            ) from exc
        action_id, created = planned.action.pk, planned.created
    return {
        "customer": customer.pk,
        "currency": currency,
        "as_of": today.isoformat(),
        "since": built.since.isoformat(),
        "items": [
            {
                "invoice": i.invoice_id,
                "number": i.number,
                "issue_date": i.issued.isoformat(),
                "due_date": i.due.isoformat(),
                "total": amount_text(i.total_minor, currency),
                "open": amount_text(i.open_minor, currency),
                "days_overdue": i.days_overdue,
            }
            for i in built.items
        ],
        "payments": [
            {
                "payment": p.payment_id,
                "date": p.on.isoformat(),
                "reference": p.reference,
                "amount": amount_text(p.amount_minor, currency),
            }
            for p in built.payments
        ],
        "open_total": amount_text(built.open_total_minor, currency),
        "on_account": amount_text(built.on_account_minor, currency),
        "balance": amount_text(built.balance_minor, currency),
        "action": action_id,
        "created": created,
    }


@router.get(
    "/customers/{customer_id}/evidence",
    response={200: None, **ONE},
    summary="The customer's evidence file (zip: index.pdf, index.json, messages, ledger.csv)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The zip. Header X-Relance-Tampered lists archived messages "
                "whose content no longer matches their SHA-256.",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def evidence(request: Any, customer_id: Id) -> Any:
    customer = get_customer(caller(request), customer_id)
    result = export_evidence(customer)
    response = HttpResponse(result.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="evidence-{customer.pk}.zip"'
    response["X-Relance-Tampered"] = ",".join(str(pk) for pk in result.tampered)
    return response


@router.post(
    "/customers/{customer_id}/reminders",
    response={200: PreviewOut, **WRITE},
    summary="Send a reminder now (or preview it): one action through the outbox and history",
)
def send_reminder(request: Any, customer_id: Id, payload: ReminderIn) -> Any:
    who = caller(request)
    who.need_write()
    customer = get_customer(who, customer_id)
    issues = Issues()
    currency = check_currency(payload.currency or customer.currency, "currency", issues)
    issues.raise_if_any()
    contact = None
    if payload.contact is not None:
        contact = customer.contacts.filter(pk=payload.contact).first()
        if contact is None:
            message = _("Contact %(id)s is not a contact of this customer.") % {
                "id": payload.contact
            }
            raise invalid(message, [{"field": "contact", "message": message, "code": "unknown"}])
    args: dict[str, Any] = {
        "channel": payload.channel,
        "tone": payload.tone,
        "note": payload.note,
        "contact": contact,
    }
    today = timezone.localdate()
    try:
        shown = preview_manual(customer, currency, today, **args)
        action = (
            None if payload.preview else send_now(customer, currency, today, user=who.user, **args)
        )
    except (BadInput, Unsendable) as exc:
        text = str(exc)
        field = text.split(":", 1)[0] if ":" in text else None
        field = field if field in ("currency", "channel", "tone", "note", "contact") else None
        raise invalid(text, [{"field": field, "message": text, "code": "refused"}]) from exc
    return {
        "action": action.pk if action is not None else None,
        "channel": shown.channel,
        "recipient": shown.recipient,
        "recipient_name": shown.recipient_name,
        "subject": shown.subject,
        "body": shown.body,
        "attachment": shown.attachments[0].filename if shown.attachments else "",
    }


def _action(who: Any, action_id: int) -> Action:
    found = (
        Action.objects.filter(creditor_id=who.creditor_id, customer__in=customers_of(who))
        .filter(pk=action_id)
        .first()
    )
    if found is None:
        raise not_found(_("Action %(id)s not found.") % {"id": action_id})
    return found


@router.post(
    "/actions/{action_id}/edit",
    response={200: ActionOut, **WRITE},
    summary="Edit an action awaiting approval (channel, tone, note, recipient), with a reason",
)
def edit_action(request: Any, action_id: Id, payload: EditIn) -> Any:
    who = caller(request)
    who.need_ledger_write()
    _action(who, action_id)
    try:
        changed = edit(
            who.creditor_id,
            action_id,
            reason=payload.reason,
            user=who.user,
            channel=payload.channel,
            tone=payload.tone,
            note=payload.note,
            contact_id=payload.contact,
        )
    except BadInput as exc:
        text = str(exc)
        field = text.split(":", 1)[0] if ":" in text else None
        field = field if field in ("reason", "channel", "tone", "note", "contact") else None
        raise invalid(text, [{"field": field, "message": text, "code": "refused"}]) from exc
    ids = {line.invoice_id for line in changed.lines()}
    numbers = dict(Invoice.objects.filter(pk__in=ids).values_list("id", "number"))
    return _action_out(changed, numbers)


@router.get(
    "/actions/{action_id}/preview",
    response={200: PreviewOut, **ONE},
    summary="The message of an action exactly as the worker would render it today",
)
def preview_action(request: Any, action_id: Id) -> Any:
    action = _action(caller(request), action_id)
    try:
        message = preview(action, timezone.localdate())
    except Unsendable as exc:
        raise invalid(
            str(exc), [{"field": None, "message": str(exc), "code": "unsendable"}]
        ) from exc
    return {
        "action": action.pk,
        "channel": message.channel,
        "recipient": message.recipient,
        "recipient_name": message.recipient_name,
        "subject": message.subject,
        "body": message.body,
        "attachment": message.attachments[0].filename if message.attachments else "",
    }
