"""Legal cases: open one for a customer, record its stages, list them with their next deadline."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.utils.translation import get_language
from ninja import Field, Router, Schema, Status

from relance.api.auth import caller
from relance.api.common import amount_text, customers_of, get_customer, parse_money
from relance.api.errors import COMMON, ONE, WRITE, Issues, not_found
from relance.api.schemas import AMOUNT, BodyId, Day, Id, Input
from relance.domain import legal_case as lc
from relance.legal.models import LegalCase
from relance.legal.services import case_lines, open_case, record_event

router = Router(tags=["legal"])

RouteName = Literal["payment_order", "small_claims", "agency", "lawyer"]
StageName = Literal[
    "notice_sent",
    "ack_received",
    "request_filed",
    "order_granted",
    "order_refused",
    "served",
    "opposition",
    "enforcement",
    "small_claims_proposed",
    "small_claims_accepted",
    "small_claims_refused",
    "handed_over",
    "closed",
]


class CaseIn(Input):
    customer: BodyId
    route: RouteName
    opened_on: Day
    claim: str | None = Field(
        None, min_length=1, max_length=40, description=AMOUNT + " Default: what is overdue."
    )
    notice_deadline: Day | None = None
    handler: str = Field("", max_length=200)
    reference: str = Field("", max_length=100)


class EventIn(Input):
    stage: StageName
    on: Day
    cost: str | None = Field(None, min_length=1, max_length=40, description=AMOUNT)
    note: str = Field("", max_length=300)


class EventOut(Schema):
    stage: str
    on: date
    cost: str
    note: str
    document: str


class DeadlineOut(Schema):
    what: str
    due: date
    message: str


class CaseOut(Schema):
    id: int
    customer: int
    route: str
    opened_on: date
    closed_on: date | None
    currency: str
    claim: str
    costs: str
    court: str = Field(description="Competent court (payment orders only), CPC 1406.")
    reference: str
    handler: str
    next_deadline: DeadlineOut | None
    events: list[EventOut]


def _out(case: LegalCase) -> dict[str, Any]:
    (line,) = case_lines(LegalCase.objects.filter(pk=case.pk))
    lang = get_language() or "en"
    court = ""
    if case.court_kind:
        court = lc.Court(case.court_kind, case.court_place, "CPC art. 1406").label(lang)
    deadline = None
    if line.deadline is not None:
        deadline = {
            "what": line.deadline.what,
            "due": line.deadline.due,
            "message": line.deadline.message(lang),
        }
    return {
        "id": case.pk,
        "customer": case.customer_id,
        "route": case.route,
        "opened_on": case.opened_on,
        "closed_on": line.case.closed_on,
        "currency": case.currency,
        "claim": amount_text(case.claim_minor, case.currency),
        "costs": amount_text(line.costs_minor, case.currency),
        "court": court,
        "reference": case.reference,
        "handler": case.handler,
        "next_deadline": deadline,
        "events": [
            {
                "stage": e.stage,
                "on": e.on,
                "cost": amount_text(e.cost_minor, case.currency),
                "note": e.note,
                "document": e.document_name,
            }
            for e in line.case.events.all()
        ],
    }


def _case(who: Any, pk: int) -> LegalCase:
    found = LegalCase.objects.filter(pk=pk, customer__in=customers_of(who)).first()
    if found is None:
        raise not_found(f"Legal case {pk} not found.")
    return found


@router.get("/legal-cases", response={200: list[CaseOut], **COMMON}, summary="Legal cases")
def list_cases(request: Any, open_only: bool = True) -> Any:
    who = caller(request)
    qs = LegalCase.objects.filter(customer__in=customers_of(who)).order_by("pk")
    if open_only:
        qs = qs.filter(closed_on__isnull=True)
    return [_out(case) for case in qs]


@router.get("/legal-cases/{pk}", response={200: CaseOut, **ONE}, summary="One legal case")
def get_case(request: Any, pk: Id) -> Any:
    return _out(_case(caller(request), pk))


@router.post(
    "/legal-cases",
    response={201: CaseOut, **WRITE},
    summary="Open a legal case for a customer (its automatic reminders pause)",
)
def create_case(request: Any, payload: CaseIn) -> Any:
    who = caller(request)
    who.need_ledger_write()
    customer = get_customer(who, payload.customer)
    issues = Issues()
    claim = parse_money(payload.claim, customer.currency, "claim", issues, allow_zero=False)
    issues.raise_if_any()
    case = open_case(
        customer,
        payload.route,
        payload.opened_on,
        user=who.user,
        claim_minor=claim.minor if claim is not None else None,
        notice_deadline=payload.notice_deadline,
        handler=payload.handler,
        reference=payload.reference,
    )
    return Status(201, _out(case))


@router.post(
    "/legal-cases/{pk}/events",
    response={201: CaseOut, **WRITE},
    summary="Record a stage of a legal case (checked against the stages already recorded)",
)
def add_event(request: Any, pk: Id, payload: EventIn) -> Any:
    who = caller(request)
    who.need_write()
    case = _case(who, pk)
    issues = Issues()
    cost = parse_money(payload.cost, case.currency, "cost", issues)
    issues.raise_if_any()
    record_event(
        case,
        payload.stage,
        payload.on,
        user=who.user,
        cost_minor=cost.minor if cost is not None else 0,
        note=payload.note,
    )
    return Status(201, _out(case))
