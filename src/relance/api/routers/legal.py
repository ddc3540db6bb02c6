"""Legal cases: open one for a customer, record its stages, list them with their next deadline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import get_language
from ninja import Field, P, QueryEx, Router, Schema, Status

from relance.api.auth import caller
from relance.api.common import amount_text, customers_of, get_customer, parse_money
from relance.api.errors import COMMON, ONE, WRITE, Issues, invalid, not_found
from relance.api.schemas import AMOUNT, BodyId, Day, Id, Input
from relance.domain import legal_case as lc
from relance.domain.money import Money
from relance.legal.handover import (
    claim_breakdown,
    collected,
    fee_due,
    record_collection,
    set_mandate,
)
from relance.legal.models import LegalCase, PenaltyInvoice
from relance.legal.penalty_invoices import issue_penalty_invoice, waive
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


class MandateIn(Input):
    agency_name: str = Field(min_length=1, max_length=200)
    agency_address: str = Field(min_length=1, max_length=500)
    agency_email: str = Field("", max_length=254)
    insurer: str = Field(min_length=1, max_length=200)
    insurance_policy: str = Field(min_length=1, max_length=100)
    fee_percent: str = Field(
        min_length=1, max_length=8, description="Percent of the sums collected."
    )
    funds_within_days: int = Field(30, ge=1, le=366)
    signed_on: Day
    letter_reference: str = Field("", max_length=100)
    letter_date: Day | None = None


class ClaimLineOut(Schema):
    invoice: int
    number: str
    principal: str
    interest: str
    indemnity: str
    total: str
    rate_basis: str


class ClaimOut(Schema):
    as_of: date
    currency: str
    principal: str
    interest: str
    indemnity: str
    total: str
    collected: str
    fees: str
    lines: list[ClaimLineOut]


class CollectionIn(Input):
    on: Day
    amount: str = Field(min_length=1, max_length=40, description=AMOUNT)
    fee: str | None = Field(
        None, min_length=1, max_length=40, description=AMOUNT + " Default: the mandate's rate."
    )
    note: str = Field("", max_length=300)


def _claim_out(case: LegalCase, as_of: date) -> dict[str, Any]:
    breakdown = claim_breakdown(case, as_of)
    got, fees = collected(case)
    return {
        "as_of": as_of,
        "currency": case.currency,
        "principal": str(breakdown.principal.amount),
        "interest": str(breakdown.interest.amount),
        "indemnity": str(breakdown.indemnity.amount),
        "total": str(breakdown.total.amount),
        "collected": str(got.amount),
        "fees": str(fees.amount),
        "lines": [
            {
                "invoice": line.invoice.pk,
                "number": line.invoice.number,
                "principal": str(line.principal.amount),
                "interest": str(line.interest.amount),
                "indemnity": str(line.indemnity.amount),
                "total": str(line.total.amount),
                "rate_basis": line.basis or line.note,
            }
            for line in breakdown.lines
        ],
    }


@router.get(
    "/legal-cases/{pk}/claim",
    response={200: ClaimOut, **ONE},
    summary="What is claimed, element by element (principal, interest, indemnity), and collected",
)
def get_claim(request: Any, pk: Id, as_of: Day | None = None) -> Any:
    case = _case(caller(request), pk)
    return _claim_out(case, as_of or timezone.localdate())


@router.put(
    "/legal-cases/{pk}/mandate",
    response={200: ClaimOut, **WRITE},
    summary="Record the written mandate of a case handed to an agency or a lawyer (R124-3)",
)
def put_mandate(request: Any, pk: Id, payload: MandateIn) -> Any:
    who = caller(request)
    who.need_ledger_write()
    case = _case(who, pk)
    try:
        fee = Decimal(payload.fee_percent.replace(",", "."))
    except InvalidOperation:
        raise invalid(
            "fee_percent: not a number", [{"field": "fee_percent", "message": "not a number"}]
        ) from None
    fields = payload.dict()
    fields["fee_percent"] = fee
    if not fields["letter_reference"]:
        fields.pop("letter_reference")
    set_mandate(case, **fields)
    return _claim_out(case, timezone.localdate())


@router.post(
    "/legal-cases/{pk}/collections",
    response={201: ClaimOut, **WRITE},
    summary="Record a sum collected by the agency or lawyer, and its fee (a payment on the "
    "customer's oldest open invoices)",
)
def add_collection(request: Any, pk: Id, payload: CollectionIn) -> Any:
    who = caller(request)
    who.need_ledger_write()
    case = _case(who, pk)
    issues = Issues()
    amount = parse_money(payload.amount, case.currency, "amount", issues, allow_zero=False)
    fee = parse_money(payload.fee, case.currency, "fee", issues)
    issues.raise_if_any()
    assert amount is not None
    if fee is None:
        mandate = getattr(case, "mandate", None)
        fee = fee_due(mandate, amount) if mandate is not None else Money.zero(case.currency)
    record_collection(case, payload.on, amount, fee, user=who.user, note=payload.note)
    return Status(201, _claim_out(case, payload.on))


# --- penalty invoices (relance.legal.penalty_invoices) ---------------------------------------


class PenaltyInvoiceIn(Input):
    as_of: Day | None = Field(None, description="Bill penalties up to this day (default today).")


class WaiveIn(Input):
    reason: str = Field(min_length=1, max_length=300)


class PenaltyLineOut(Schema):
    invoice: int
    number: str
    period_start: date | None
    billed_until: date
    days: int
    rate_basis: str
    interest: str
    indemnity: str


class PenaltyInvoiceOut(Schema):
    id: int
    number: str
    customer: int
    issued_on: date
    currency: str
    interest: str
    indemnity: str
    total: str
    status: str
    waived_reason: str
    waived_at: Any | None = None
    lines: list[PenaltyLineOut]


def _penalty_out(pi: PenaltyInvoice) -> dict[str, Any]:
    def amount(minor: int) -> str:
        return str(Money.from_minor(minor, pi.currency).amount)

    return {
        "id": pi.pk,
        "number": pi.number,
        "customer": pi.customer_id,
        "issued_on": pi.issued_on,
        "currency": pi.currency,
        "interest": amount(pi.interest_minor),
        "indemnity": amount(pi.indemnity_minor),
        "total": amount(pi.total_minor),
        "status": pi.status,
        "waived_reason": pi.waived_reason,
        "waived_at": pi.waived_at,
        "lines": [
            {
                "invoice": line.invoice_id,
                "number": line.invoice.number,
                "period_start": line.period_start,
                "billed_until": line.billed_until,
                "days": line.days,
                "rate_basis": line.basis,
                "interest": amount(line.interest_minor),
                "indemnity": amount(line.indemnity_minor),
            }
            for line in pi.lines.select_related("invoice")
        ],
    }


@router.post(
    "/customers/{pk}/penalty-invoices",
    response={201: PenaltyInvoiceOut, **WRITE},
    summary="Bill a customer's late-payment interest and fixed indemnities not yet billed",
)
def create_penalty_invoice(request: Any, pk: Id, payload: PenaltyInvoiceIn) -> Any:
    who = caller(request)
    who.need_ledger_write()
    customer = get_customer(who, pk)
    pi = issue_penalty_invoice(customer, payload.as_of or timezone.localdate(), user=who.user)
    return Status(201, _penalty_out(pi))


def _penalty_invoice(who: Any, pk: int) -> PenaltyInvoice:
    found = PenaltyInvoice.objects.filter(pk=pk, customer__in=customers_of(who)).first()
    if found is None:
        raise not_found(f"Penalty invoice {pk} not found.")
    return found


@router.post(
    "/penalty-invoices/{pk}/waive",
    response={200: PenaltyInvoiceOut, **WRITE},
    summary="Waive a penalty invoice, with the reason (it is kept, never deleted)",
)
def waive_penalty_invoice(request: Any, pk: Id, payload: WaiveIn) -> Any:
    who = caller(request)
    who.need_ledger_write()
    pi = waive(_penalty_invoice(who, pk), payload.reason, user=who.user)
    return _penalty_out(pi)


@router.get(
    "/penalty-invoices",
    response={200: list[PenaltyInvoiceOut], **COMMON},
    summary="Penalty invoices (newest first)",
)
def list_penalty_invoices(
    request: Any,
    customer: QueryEx[Id | None, P(description="Only this customer.")] = None,
    status: Literal["issued", "waived"] | None = None,
) -> Any:
    who = caller(request)
    qs = PenaltyInvoice.objects.filter(customer__in=customers_of(who))
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if status is not None:
        qs = qs.filter(status=status)
    return [_penalty_out(pi) for pi in qs[:500]]
