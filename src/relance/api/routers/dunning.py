"""Dunning: plan a day's reminders, list runs and actions, approve or skip actions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import StrictBool

from relance.api.auth import caller
from relance.api.common import Limit, Offset, amount_text, customers_of, page, page_body
from relance.api.errors import COMMON, WRITE, invalid
from relance.api.schemas import BodyId, Day, Id, Input, Page
from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.dunning.models import Action, ActionStatus, Run
from relance.dunning.services import Decision, decide, plan_run
from relance.dunning.tick import plan_day
from relance.ledger.models import Invoice

router = Router(tags=["dunning"])


class RunIn(Input):
    as_of: Day | None = Field(None, description="Default: today (in the server's time zone).")
    dry_run: StrictBool = Field(False, description="Show what would be planned; write nothing.")


class RunSummaryOut(Schema):
    as_of: date
    dry_run: bool
    already_planned: bool = Field(description="The date was planned before: that plan stands.")
    run: int | None
    customers: int
    messages: int
    actions: int
    needs_approval: int
    holdbacks: int
    by_step: dict[str, int]
    by_channel: dict[str, int]
    failed_jobs: dict[str, str] = Field(
        default_factory=dict,
        description="Daily jobs run before the plan (judging promises, plans, disputes) "
        "that failed, with why; the plan was made all the same and the daily tick does "
        "their work again.",
    )


class RunOut(Schema):
    id: int
    as_of: date
    created_at: datetime
    messages: int
    actions: int
    holdbacks: int


class RunPage(Page):
    items: list[RunOut]


class ActionItemOut(Schema):
    invoice: int
    number: str
    level: str = Field(description="Step the invoice stands at in this message ('' if none).")
    advances: bool = Field(description="This message moves the invoice to that step.")
    open: str


class ActionOut(Schema):
    id: int
    run: int | None
    as_of: date
    customer: int
    currency: str
    step: str
    repeat: int
    channel: str
    tone: str
    kind: str
    status: str
    total: str
    overdue_total: str
    reason: str
    sent_on: date | None
    items: list[ActionItemOut]


class ActionPage(Page):
    items: list[ActionOut]


class DecisionIn(Input):
    actions: list[BodyId] = Field(min_length=1, max_length=500)
    decision: Literal["approve", "skip"]
    reason: str = Field("", max_length=200, description="Required to skip.")


class DecisionOut(Schema):
    changed: int = Field(description="Actions that were waiting and are now decided.")


@router.post(
    "/runs",
    response={200: RunSummaryOut, **WRITE},
    summary="Plan the reminders of a date (one plan per date; dry_run=true to preview)",
)
def create_run(request: Any, payload: RunIn) -> Any:
    who = caller(request)
    if not payload.dry_run:
        who.need_ledger_write()
    creditor = Creditor.objects.get(pk=who.creditor_id)
    day = payload.as_of or timezone.localdate()
    if payload.dry_run:
        return plan_run(creditor, day, dry_run=True, user=who.user).summary()
    planned = plan_day(creditor, day, user=who.user)
    return {**planned.run.summary(), "failed_jobs": planned.failed}


@router.get("/runs", response={200: RunPage, **COMMON}, summary="List runs, latest first")
def list_runs(request: Any, limit: Limit = 50, offset: Offset = 0) -> Any:
    who = caller(request)
    qs = Run.objects.filter(creditor_id=who.creditor_id).order_by("-as_of")
    count, items = page(qs, limit, offset)
    return page_body(count, limit, offset, [_run_out(r) for r in items])


@router.get("/actions", response={200: ActionPage, **COMMON}, summary="List dunning actions")
def list_actions(
    request: Any,
    as_of: Day | None = None,
    status: ActionStatus | None = None,
    customer: Id | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    who = caller(request)
    qs = Action.objects.filter(creditor_id=who.creditor_id, customer__in=customers_of(who))
    if as_of is not None:
        qs = qs.filter(as_of=as_of)
    if status is not None:
        qs = qs.filter(status=status)
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    count, items = page(
        qs.order_by("-as_of", "customer_id", "currency", "channel").prefetch_related("items"),
        limit,
        offset,
    )
    ids = {line.invoice_id for a in items for line in a.lines()}
    numbers = dict(Invoice.objects.filter(pk__in=ids).values_list("id", "number"))
    return page_body(count, limit, offset, [_action_out(a, numbers) for a in items])


@router.post(
    "/actions/decide",
    response={200: DecisionOut, **WRITE},
    summary="Approve or skip actions waiting for approval (a reason is required to skip)",
)
def decide_actions(request: Any, payload: DecisionIn) -> Any:
    who = caller(request)
    who.need_ledger_write()
    try:
        changed = decide(
            who.creditor_id,
            payload.actions,
            Decision(payload.decision),
            reason=payload.reason,
            user=who.user,
        )
    except BadInput as exc:
        raise invalid(
            _("Give a reason to skip a reminder."),
            [{"field": "reason", "message": str(exc), "code": "required"}],
        ) from exc
    return {"changed": changed}


def _run_out(run: Run) -> dict[str, Any]:
    return {
        "id": run.pk,
        "as_of": run.as_of,
        "created_at": run.created_at,
        "messages": run.messages,
        "actions": run.actions,
        "holdbacks": run.holdbacks,
    }


def _action_out(action: Action, numbers: dict[int, str]) -> dict[str, Any]:
    return {
        "id": action.pk,
        "run": action.run_id,
        "as_of": action.as_of,
        "customer": action.customer_id,
        "currency": action.currency,
        "step": action.step_key,
        "repeat": action.repeat,
        "channel": action.channel,
        "tone": action.tone,
        "kind": action.kind,
        "status": action.status,
        "total": amount_text(action.total_minor, action.currency),
        "overdue_total": amount_text(action.overdue_total_minor, action.currency),
        "reason": action.reason,
        "sent_on": action.sent_on,
        "items": [
            {
                "invoice": line.invoice_id,
                "number": numbers.get(line.invoice_id, ""),
                "level": line.level_key,
                "advances": line.advances,
                "open": amount_text(line.open_minor, action.currency),
            }
            for line in action.lines()
        ],
    }
