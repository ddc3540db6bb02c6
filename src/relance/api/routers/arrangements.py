"""Negotiation: promises to pay, payment plans (agreement PDF, SEPA file), settlements, the
approval requests above the negotiation margins, and the margins themselves.

Roles: every role reads (a collector only their customers); read_only changes nothing;
approvals are decided by credit managers and administrators; margins are set by
administrators; the SEPA file is for administrators and credit managers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, P, QueryEx, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from relance.accounts.models import Role
from relance.api.auth import Caller, caller
from relance.api.common import amount_text, customers_of, get_customer, parse_money
from relance.api.errors import COMMON, ONE, WRITE, Issues, forbidden, invalid, not_found
from relance.api.schemas import AMOUNT, BodyId, Day, Id, Input
from relance.ledger.models import Invoice
from relance.negotiation import approvals
from relance.negotiation.margins import (
    APPROVER_ROLES,
    EDITABLE_ROLES,
    Margin,
    NotAllowed,
    PortalLimits,
    margin_for,
    portal_margin_for,
    set_margin,
    set_portal_margin,
)
from relance.negotiation.models import (
    ApprovalRequest,
    PaymentPlan,
    Promise,
    Settlement,
)
from relance.negotiation.plans import cancel_plan, equal_instalments, propose_plan
from relance.negotiation.promises import cancel_promise, take_promise
from relance.negotiation.reminders import plan_agreement_message
from relance.negotiation.sepa import debit_file
from relance.negotiation.settlements import (
    accept_settlement,
    close_settlement,
    offer_settlement,
    write_offs_csv,
)

router = Router(tags=["negotiation"])

SourceName = Literal[
    "manual", "call", "meeting", "email", "reply", "letter", "sms", "portal", "api", "einvoice"
]
RoleName = Literal["collector", "credit_manager", "admin"]
Text = Field("", max_length=2000)


@contextmanager
def _allowed() -> Iterator[None]:
    try:
        yield
    except NotAllowed as exc:
        raise forbidden(str(exc)) from exc


def _binary(kind: str, description: str) -> dict[str, Any]:
    return {
        "responses": {
            "200": {
                "description": description,
                "content": {kind: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


# --------------------------------------------------------------------------- promises


class PromiseIn(Input):
    customer: BodyId
    amount: str = Field(min_length=1, max_length=40, description=AMOUNT)
    promised_on: Day
    taken_on: Day | None = Field(None, description="Default: today.")
    channel: SourceName = "api"
    invoices: list[BodyId] | None = Field(
        None, max_length=500, description="Default: every open invoice of the customer."
    )
    replaces: BodyId | None = Field(
        None, description="A pending promise on the same invoices that this one replaces."
    )
    note: str = Text


class PromiseOut(Schema):
    id: int
    customer: int
    currency: str
    amount: str
    promised_on: date
    taken_on: date
    channel: str
    status: str
    paid: str
    settled_on: date | None
    replaced_by: int | None
    invoices: list[int]
    needs_approval: bool
    note: str


def _promise_out(p: Promise) -> dict[str, Any]:
    return {
        "id": p.pk,
        "customer": p.customer_id,
        "currency": p.currency,
        "amount": amount_text(p.amount_minor, p.currency),
        "promised_on": p.promised_on,
        "taken_on": p.taken_on,
        "channel": p.channel,
        "status": p.status,
        "paid": amount_text(p.paid_minor, p.currency),
        "settled_on": p.settled_on,
        "replaced_by": p.replaced_by_id,
        "invoices": sorted(p.invoices.values_list("pk", flat=True)),
        "needs_approval": p.approvals.filter(status="pending").exists(),
        "note": p.note,
    }


def _promise(who: Caller, pk: int) -> Promise:
    found = Promise.objects.filter(pk=pk, customer__in=customers_of(who)).first()
    if found is None:
        raise not_found(f"Promise {pk} not found.")
    return found


@router.get("/promises", response={200: list[PromiseOut], **COMMON}, summary="Promises to pay")
def list_promises(request: Any, customer: Id | None = None, status: str | None = None) -> Any:
    qs = Promise.objects.filter(customer__in=customers_of(caller(request))).order_by("pk")
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if status:
        qs = qs.filter(status=status)
    return [_promise_out(p) for p in qs[:500]]


@router.get("/promises/{pk}", response={200: PromiseOut, **ONE}, summary="One promise to pay")
def get_promise(request: Any, pk: Id) -> Any:
    return _promise_out(_promise(caller(request), pk))


@router.post(
    "/promises",
    response={201: PromiseOut, **WRITE},
    summary="Take a promise to pay (its invoices pause; refused on invoices under a pending "
    "promise unless it replaces it)",
)
def create_promise(request: Any, payload: PromiseIn) -> Any:
    who = caller(request)
    who.need_write()
    customer = get_customer(who, payload.customer)
    issues = Issues()
    amount = parse_money(payload.amount, customer.currency, "amount", issues, allow_zero=False)
    issues.raise_if_any()
    assert amount is not None
    with _allowed():
        promise = take_promise(
            customer,
            amount_minor=amount.minor,
            promised_on=payload.promised_on,
            taken_on=payload.taken_on or timezone.localdate(),
            channel=payload.channel,
            user=who.user,
            invoices=payload.invoices,
            note=payload.note,
            replaces=payload.replaces,
        )
    return Status(201, _promise_out(promise))


class ReasonIn(Input):
    reason: str = Field("", max_length=200)
    on: Day | None = Field(None, description="Default: today.")


@router.post(
    "/promises/{pk}/cancel",
    response={200: PromiseOut, **WRITE},
    summary="Cancel a pending promise (its pauses end)",
)
def cancel_promise_view(request: Any, pk: Id, payload: ReasonIn) -> Any:
    who = caller(request)
    who.need_write()
    promise = _promise(who, pk)
    with _allowed():
        done = cancel_promise(
            promise, payload.on or timezone.localdate(), user=who.user, reason=payload.reason
        )
    return _promise_out(done)


# --------------------------------------------------------------------------- plans


class InstalmentIn(Schema):
    due_on: Day
    amount: str = Field(min_length=1, max_length=40, description=AMOUNT)


class PlanIn(Input):
    customer: BodyId
    invoices: list[BodyId] = Field(min_length=1, max_length=500)
    instalments: list[InstalmentIn] = Field(
        min_length=1,
        max_length=120,
        description="Dates strictly increasing, none before agreed_on; the amounts add up "
        "to the open total of the invoices.",
    )
    agreed_on: Day | None = Field(None, description="Default: today.")
    channel: SourceName = "api"
    grace_days: StrictInt = Field(5, ge=0, le=60)
    remind_days_before: StrictInt = Field(3, ge=0, le=30)
    penalties_waived: StrictBool = False
    note: str = Text
    sepa_iban: str = Field("", max_length=50)
    sepa_bic: str = Field("", max_length=20)
    sepa_mandate_ref: str = Field("", max_length=35)
    sepa_mandate_date: Day | None = None


class InstalmentOut(Schema):
    number: int
    due_on: date
    amount: str
    paid: str
    paid_on: date | None
    status: str


class PlanOut(Schema):
    id: int
    customer: int
    currency: str
    total: str
    status: str
    agreed_on: date
    ended_on: date | None
    end_reason: str
    grace_days: int
    remind_days_before: int
    penalties_waived: bool
    invoices: list[int]
    instalments: list[InstalmentOut]
    agreements: list[int]
    sepa_iban: str
    sepa_mandate_ref: str
    sepa_mandate_date: date | None


def _plan_out(plan: PaymentPlan) -> dict[str, Any]:
    c = plan.currency
    return {
        "id": plan.pk,
        "customer": plan.customer_id,
        "currency": c,
        "total": amount_text(plan.total_minor, c),
        "status": plan.status,
        "agreed_on": plan.agreed_on,
        "ended_on": plan.ended_on,
        "end_reason": plan.end_reason,
        "grace_days": plan.grace_days,
        "remind_days_before": plan.remind_days_before,
        "penalties_waived": plan.penalties_waived,
        "invoices": sorted(plan.invoices.values_list("pk", flat=True)),
        "instalments": [
            {
                "number": i.number,
                "due_on": i.due_on,
                "amount": amount_text(i.amount_minor, c),
                "paid": amount_text(i.paid_minor, c),
                "paid_on": i.paid_on,
                "status": i.status,
            }
            for i in plan.instalments.order_by("number")
        ],
        "agreements": list(plan.agreements.order_by("pk").values_list("pk", flat=True)),
        "sepa_iban": plan.sepa_iban,
        "sepa_mandate_ref": plan.sepa_mandate_ref,
        "sepa_mandate_date": plan.sepa_mandate_date,
    }


def _plan(who: Caller, pk: int) -> PaymentPlan:
    found = PaymentPlan.objects.filter(pk=pk, customer__in=customers_of(who)).first()
    if found is None:
        raise not_found(f"Payment plan {pk} not found.")
    return found


@router.get("/payment-plans", response={200: list[PlanOut], **COMMON}, summary="Payment plans")
def list_plans(request: Any, customer: Id | None = None, status: str | None = None) -> Any:
    qs = PaymentPlan.objects.filter(customer__in=customers_of(caller(request))).order_by("pk")
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if status:
        qs = qs.filter(status=status)
    return [_plan_out(p) for p in qs[:500]]


class SplitIn(Input):
    total: str = Field(min_length=1, max_length=40, description=AMOUNT)
    currency: str = Field("EUR", min_length=3, max_length=3)
    count: StrictInt = Field(ge=1, le=120)
    first_on: Day
    every_months: StrictInt = Field(1, ge=1, le=12)


class SplitOut(Schema):
    instalments: list[InstalmentOut]


@router.post(
    "/payment-plans/equal-instalments",
    response={200: SplitOut, **WRITE},
    summary="Equal instalments of an amount (the cents left over on the last); nothing stored",
)
def split(request: Any, payload: SplitIn) -> Any:
    caller(request)
    issues = Issues()
    total = parse_money(payload.total, payload.currency.upper(), "total", issues, allow_zero=False)
    issues.raise_if_any()
    assert total is not None
    rows = equal_instalments(total.minor, payload.count, payload.first_on, payload.every_months)
    return {
        "instalments": [
            {
                "number": n,
                "due_on": day,
                "amount": amount_text(minor, total.currency),
                "paid": amount_text(0, total.currency),
                "paid_on": None,
                "status": "due",
            }
            for n, (day, minor) in enumerate(rows, start=1)
        ]
    }


@router.get(
    "/payment-plans/sepa",
    response={200: None, **COMMON},
    summary="SEPA direct-debit file (pain.008.001.08) of the instalments due in a period",
    openapi_extra=_binary("application/xml", "The pain.008 file, validated against its XSD."),
)
def sepa_file(
    request: Any,
    start: QueryEx[Day, P(alias="from")],
    end: QueryEx[Day, P(alias="to")],
) -> Any:
    who = caller(request)
    if not who.membership.can_import:
        raise forbidden("Only an administrator or a credit manager downloads the SEPA file.")
    made = debit_file(who.membership.creditor, start, end)
    response = HttpResponse(made.xml, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="prelevements-{start}-{end}.xml"'
    return response


@router.get("/payment-plans/{pk}", response={200: PlanOut, **ONE}, summary="One payment plan")
def get_plan(request: Any, pk: Id) -> Any:
    return _plan_out(_plan(caller(request), pk))


@router.post(
    "/payment-plans",
    response={201: PlanOut, **WRITE},
    summary="Propose a payment plan (active, or needs_approval beyond the caller's margins)",
)
def create_plan(request: Any, payload: PlanIn) -> Any:
    who = caller(request)
    who.need_write()
    customer = get_customer(who, payload.customer)
    issues = Issues()
    rows: list[tuple[date, int]] = []
    for n, row in enumerate(payload.instalments):
        amount = parse_money(
            row.amount, customer.currency, f"instalments.{n}.amount", issues, allow_zero=False
        )
        if amount is not None:
            rows.append((row.due_on, amount.minor))
    issues.raise_if_any()
    with _allowed():
        plan = propose_plan(
            customer,
            invoices=payload.invoices,
            instalments=rows,
            agreed_on=payload.agreed_on or timezone.localdate(),
            user=who.user,
            channel=payload.channel,
            grace_days=payload.grace_days,
            remind_days_before=payload.remind_days_before,
            penalties_waived=payload.penalties_waived,
            note=payload.note,
            sepa_iban=payload.sepa_iban,
            sepa_bic=payload.sepa_bic,
            sepa_mandate_ref=payload.sepa_mandate_ref,
            sepa_mandate_date=payload.sepa_mandate_date,
        )
    return Status(201, _plan_out(plan))


@router.post(
    "/payment-plans/{pk}/cancel",
    response={200: PlanOut, **WRITE},
    summary="Cancel a payment plan (a reason is required; its pauses end)",
)
def cancel_plan_view(request: Any, pk: Id, payload: ReasonIn) -> Any:
    who = caller(request)
    who.need_write()
    plan = _plan(who, pk)
    with _allowed():
        done = cancel_plan(
            plan, payload.on or timezone.localdate(), user=who.user, reason=payload.reason
        )
    return _plan_out(done)


@router.get(
    "/payment-plans/{pk}/agreement",
    response={200: None, **ONE},
    summary="The latest agreement of a payment plan (PDF)",
    openapi_extra=_binary("application/pdf", "The agreement PDF."),
)
def agreement_pdf(request: Any, pk: Id) -> Any:
    plan = _plan(caller(request), pk)
    latest = plan.agreements.order_by("-pk").first()
    if latest is None:
        raise not_found(f"Payment plan {pk} has no agreement.")
    response = HttpResponse(bytes(latest.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="payment-plan-{plan.pk}.pdf"'
    return response


class SentOut(Schema):
    action: int
    status: str


@router.post(
    "/payment-plans/{pk}/send-agreement",
    response={200: SentOut, **WRITE},
    summary="Send the latest agreement to the customer by email (through the outbox, once)",
)
def send_agreement(request: Any, pk: Id) -> Any:
    who = caller(request)
    who.need_write()
    plan = _plan(who, pk)
    latest = plan.agreements.order_by("-pk").first()
    if latest is None:
        raise not_found(f"Payment plan {pk} has no agreement.")
    action = plan_agreement_message(latest, timezone.localdate(), user=who.user)
    return {"action": action.pk, "status": action.status}


# --------------------------------------------------------------------------- settlements


class SettlementIn(Input):
    customer: BodyId
    invoices: list[BodyId] = Field(min_length=1, max_length=500)
    discount: str | None = Field(None, min_length=1, max_length=40, description=AMOUNT)
    discount_percent: str | None = Field(
        None, min_length=1, max_length=12, description="Instead of discount: a percentage."
    )
    valid_until: Day
    offered_on: Day | None = Field(None, description="Default: today.")
    penalties_waived: StrictBool = True
    note: str = Text


class SettlementOut(Schema):
    id: int
    customer: int
    currency: str
    owed: str
    discount: str
    to_pay: str
    valid_until: date
    status: str
    offered_on: date
    accepted_on: date | None
    penalties_waived: bool
    written_off_on: date | None
    written_off: str
    write_off_credit_note: str | None
    invoices: list[int]


def _settlement_out(s: Settlement) -> dict[str, Any]:
    c = s.currency
    return {
        "id": s.pk,
        "customer": s.customer_id,
        "currency": c,
        "owed": amount_text(s.owed_minor, c),
        "discount": amount_text(s.discount_minor, c),
        "to_pay": amount_text(s.owed_minor - s.discount_minor, c),
        "valid_until": s.valid_until,
        "status": s.status,
        "offered_on": s.offered_on,
        "accepted_on": s.accepted_on,
        "penalties_waived": s.penalties_waived,
        "written_off_on": s.written_off_on,
        "written_off": amount_text(s.written_off_minor, c),
        "write_off_credit_note": s.write_off.number if s.write_off else None,
        "invoices": sorted(s.invoices.values_list("pk", flat=True)),
    }


def _settlement(who: Caller, pk: int) -> Settlement:
    found = Settlement.objects.filter(pk=pk, customer__in=customers_of(who)).first()
    if found is None:
        raise not_found(f"Settlement {pk} not found.")
    return found


@router.get("/settlements", response={200: list[SettlementOut], **COMMON}, summary="Settlements")
def list_settlements(request: Any, customer: Id | None = None) -> Any:
    qs = Settlement.objects.filter(customer__in=customers_of(caller(request))).order_by("pk")
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    return [_settlement_out(s) for s in qs.select_related("write_off")[:500]]


@router.get(
    "/settlements/write-offs",
    response={200: None, **COMMON},
    summary="Write-offs for the accountant (CSV: one row per invoice written off)",
    openapi_extra=_binary("text/csv", "The CSV (semicolon-separated, UTF-8)."),
)
def write_offs(request: Any, start: Day | None = None, end: Day | None = None) -> Any:
    who = caller(request)
    if not who.membership.sees_all_customers:
        raise forbidden("The write-offs export covers every customer: not for a collector.")
    response = HttpResponse(
        write_offs_csv(who.creditor_id, start, end), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="write-offs.csv"'
    return response


@router.get("/settlements/{pk}", response={200: SettlementOut, **ONE}, summary="One settlement")
def get_settlement(request: Any, pk: Id) -> Any:
    return _settlement_out(_settlement(caller(request), pk))


@router.post(
    "/settlements",
    response={201: SettlementOut, **WRITE},
    summary="Offer a settlement discount (needs_approval beyond the caller's margin)",
)
def create_settlement(request: Any, payload: SettlementIn) -> Any:
    who = caller(request)
    who.need_write()
    customer = get_customer(who, payload.customer)
    issues = Issues()
    if (payload.discount is None) == (payload.discount_percent is None):
        issues.add("discount", "Give either discount or discount_percent.")
    discount = parse_money(payload.discount, customer.currency, "discount", issues)
    percent: Decimal | None = None
    if payload.discount_percent is not None:
        try:
            percent = Decimal(payload.discount_percent.replace(",", ".").strip())
        except InvalidOperation:
            percent = None
        if percent is None or not percent.is_finite() or not 0 < percent < 100:
            issues.add("discount_percent", "A percentage between 0 and 100.")
    issues.raise_if_any()
    minor = discount.minor if discount is not None else -1
    with _allowed(), transaction.atomic():
        if percent is not None:
            owed = sum(
                Invoice.objects.filter(
                    customer=customer, pk__in=payload.invoices, open_minor__gt=0
                ).values_list("open_minor", flat=True)
            )
            minor = int((Decimal(owed) * percent / 100).quantize(Decimal(1)))
        settlement = offer_settlement(
            customer,
            invoices=payload.invoices,
            discount_minor=minor,
            valid_until=payload.valid_until,
            offered_on=payload.offered_on or timezone.localdate(),
            user=who.user,
            penalties_waived=payload.penalties_waived,
            note=payload.note,
        )
    return Status(201, _settlement_out(settlement))


class SettlementDecisionIn(Input):
    decision: Literal["accepted", "refused", "withdrawn"]
    on: Day | None = Field(None, description="Default: today.")


@router.post(
    "/settlements/{pk}/decision",
    response={200: SettlementOut, **WRITE},
    summary="The customer accepted or refused the offer, or it is withdrawn",
)
def decide_settlement(request: Any, pk: Id, payload: SettlementDecisionIn) -> Any:
    who = caller(request)
    who.need_write()
    settlement = _settlement(who, pk)
    on = payload.on or timezone.localdate()
    with _allowed():
        if payload.decision == "accepted":
            done = accept_settlement(settlement, on, user=who.user)
        else:
            done = close_settlement(settlement, on, payload.decision, user=who.user)
    return _settlement_out(done)


# --------------------------------------------------------------------------- approvals


class ApprovalOut(Schema):
    id: int
    kind: str
    customer: int
    promise: int | None
    plan: int | None
    settlement: int | None
    why: str
    status: str
    requested_by: str
    decided_by: str
    decision_note: str


def _approval_out(r: ApprovalRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "kind": r.kind,
        "customer": r.customer_id,
        "promise": r.promise_id,
        "plan": r.plan_id,
        "settlement": r.settlement_id,
        "why": r.why,
        "status": r.status,
        "requested_by": r.requested_by.get_username() if r.requested_by else "",
        "decided_by": r.decided_by.get_username() if r.decided_by else "",
        "decision_note": r.decision_note,
    }


@router.get(
    "/approvals",
    response={200: list[ApprovalOut], **COMMON},
    summary="Approval requests waiting for a credit manager",
)
def list_approvals(request: Any) -> Any:
    who = caller(request)
    qs = approvals.pending(who.creditor_id).filter(customer__in=customers_of(who))
    return [_approval_out(r) for r in qs.select_related("decided_by")[:500]]


class ApprovalDecisionIn(Input):
    approve: StrictBool
    note: str = Field("", max_length=300, description="Required to refuse.")


@router.post(
    "/approvals/{pk}/decision",
    response={200: ApprovalOut, **WRITE},
    summary="Approve or refuse a request (credit managers and administrators)",
)
def decide_approval(request: Any, pk: Id, payload: ApprovalDecisionIn) -> Any:
    who = caller(request)
    if who.membership.role not in APPROVER_ROLES:
        raise forbidden("Only a credit manager or an administrator approves or refuses.")
    found = ApprovalRequest.objects.filter(pk=pk, creditor_id=who.creditor_id).first()
    if found is None:
        raise not_found(f"Approval request {pk} not found.")
    with _allowed():
        done = approvals.decide(
            found,
            approve=payload.approve,
            user=who.user,
            on=timezone.localdate(),
            note=payload.note,
        )
    return _approval_out(done)


# --------------------------------------------------------------------------- margins


class MarginOut(Schema):
    role: str
    max_extension_days: int
    max_instalments: int
    max_plan_days: int
    max_discount_percent: str


class MarginIn(Input):
    max_extension_days: StrictInt = Field(ge=0, le=3660)
    max_instalments: StrictInt = Field(ge=1, le=120)
    max_plan_days: StrictInt = Field(ge=1, le=3660)
    max_discount_percent: str = Field(min_length=1, max_length=8, description="0 to 99.99")


def _margin_out(role: str, m: Margin) -> dict[str, Any]:
    return {
        "role": role,
        "max_extension_days": m.max_extension_days,
        "max_instalments": m.max_instalments,
        "max_plan_days": m.max_plan_days,
        "max_discount_percent": str(m.max_discount_percent),
    }


@router.get(
    "/negotiation-margins",
    response={200: list[MarginOut], **COMMON},
    summary="What each role may grant alone",
)
def list_margins(request: Any) -> Any:
    who = caller(request)
    return [_margin_out(role, margin_for(who.creditor_id, role)) for role in EDITABLE_ROLES]


class PortalMarginOut(Schema):
    enabled: bool
    max_instalments: int
    max_plan_days: int
    first_within_days: int
    max_total: str = Field(description="In `currency`; 0: no cap.")
    currency: str


class PortalMarginIn(Input):
    enabled: StrictBool
    max_instalments: StrictInt = Field(ge=1, le=120)
    max_plan_days: StrictInt = Field(ge=1, le=3660)
    first_within_days: StrictInt = Field(ge=0, le=365)
    max_total: str = Field(
        "0",
        min_length=1,
        max_length=40,
        description=AMOUNT + " In the creditor's currency; 0: no cap.",
    )


def _portal_margin_out(who: Caller) -> dict[str, Any]:
    limits = portal_margin_for(who.creditor_id)
    currency = who.membership.creditor.currency
    return {
        "enabled": limits.enabled,
        "max_instalments": limits.max_instalments,
        "max_plan_days": limits.max_plan_days,
        "first_within_days": limits.first_within_days,
        "max_total": amount_text(limits.max_total_minor, currency),
        "currency": currency,
    }


# Declared before /negotiation-margins/{role}: "portal" is not a role.
@router.get(
    "/negotiation-margins/portal",
    response={200: PortalMarginOut, **COMMON},
    summary="What a debtor may obtain alone from the portal (payment plans)",
)
def get_portal_margin(request: Any) -> Any:
    return _portal_margin_out(caller(request))


@router.put(
    "/negotiation-margins/portal",
    response={200: PortalMarginOut, **WRITE},
    summary="Set the portal's self-service margin for payment plans (administrators)",
)
def put_portal_margin(request: Any, payload: PortalMarginIn) -> Any:
    who = caller(request)
    if who.membership.role != Role.ADMIN:
        raise forbidden("Only an administrator sets the negotiation margins.")
    issues = Issues()
    cap = parse_money(payload.max_total, who.membership.creditor.currency, "max_total", issues)
    issues.raise_if_any()
    assert cap is not None
    limits = PortalLimits(
        enabled=payload.enabled,
        max_instalments=payload.max_instalments,
        max_plan_days=payload.max_plan_days,
        first_within_days=payload.first_within_days,
        max_total_minor=cap.minor,
    )
    with _allowed():
        set_portal_margin(who.creditor_id, limits, user=who.user)
    return _portal_margin_out(who)


@router.put(
    "/negotiation-margins/{role}",
    response={200: MarginOut, **WRITE},
    summary="Set the margins of a role (administrators)",
)
def put_margin(request: Any, role: RoleName, payload: MarginIn) -> Any:
    who = caller(request)
    if who.membership.role != Role.ADMIN:
        raise forbidden("Only an administrator sets the negotiation margins.")
    try:
        percent = Decimal(payload.max_discount_percent.replace(",", ".").strip())
    except InvalidOperation:
        raise invalid(
            "The data sent is not valid.",
            [{"field": "max_discount_percent", "message": "Not a number.", "code": "invalid"}],
        ) from None
    if not percent.is_finite():
        raise invalid(
            "The data sent is not valid.",
            [{"field": "max_discount_percent", "message": "Not a number.", "code": "invalid"}],
        )
    margin = Margin(
        payload.max_extension_days, payload.max_instalments, payload.max_plan_days, percent
    )
    with _allowed():
        set_margin(who.creditor_id, role, margin, user=who.user)
    return _margin_out(role, margin_for(who.creditor_id, role))
