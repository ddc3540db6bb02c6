"""Risk: credit status (limit, exposure, hold, deposit), orders, overrides, profile, onboarding.

The figures are recomputed for the customer at each call (one customer, the same
set-based code as `relance risk recompute`), so sales always read the current state.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import StrictBool

from relance.api.auth import Caller, caller
from relance.api.common import amount_text, get_customer, parse_money
from relance.api.errors import ONE, WRITE, ApiError, Issues, conflict, not_found
from relance.api.schemas import AMOUNT, Id, Input
from relance.customers.models import Customer
from relance.risk import services
from relance.risk.models import Order, RiskProfile
from relance.risk.onboarding import check_registry, onboarding_of, onboarding_status
from relance.risk.registry import RegistryError

router = Router(tags=["risk"])


class Reason(Schema):
    code: str
    message: str


class CreditOut(Schema):
    customer: int
    currency: str
    limit: str | None = Field(
        description="Credit limit in force (manual, else suggested if enabled)."
    )
    suggested_limit: str
    exposure: str = Field(description="Open invoices + orders not invoiced yet.")
    open_invoices: str
    open_orders: str
    available: str | None
    on_hold: bool
    hold_reasons: list[Reason]
    override: str | None = Field(description="'hold' or 'release' when set by hand, else null.")
    deposit_percent: int = Field(description="Deposit to ask on the next order, in percent.")
    segment: str
    onboarding_required: bool
    onboarding_done: bool
    as_of: date


class OrderIn(Input):
    reference: str = Field(min_length=1, max_length=64)
    amount: str = Field(description=AMOUNT, max_length=40)


class OrderOut(Schema):
    id: int
    customer: int
    reference: str
    amount: str
    currency: str
    deposit_percent: int
    deposit: str
    created_at: Any


class OverrideIn(Input):
    hold: StrictBool = Field(description="true: hold whatever the rules; false: release.")
    reason: str = Field(min_length=1, max_length=300)


class ProfileOut(Schema):
    customer: int
    as_of: date
    currency: str
    tenure_days: int
    invoices: int
    settled: int
    settled_late: int
    revenue_12m: str
    open: str
    overdue: str
    open_overdue_invoices: int
    oldest_overdue_days: int
    average_days_late: str | None
    weighted_days_late: str | None
    share_paid_late: str | None
    recent_days_late: str | None
    previous_days_late: str | None
    trend_days: str | None = Field(description="Recent − previous (negative: improving).")
    disputes: int = Field(description="Disputes open on the as-of date.")
    promises_kept_ratio: str | None = Field(
        description="Share of the promises to pay judged that were kept in full; null while none "
        "was."
    )
    last_payment: date | None
    partial_payments: int
    reminders_unanswered: int
    reminders_bounced: int
    segment: str
    segment_reasons: list[str]


class Check(Schema):
    key: str
    label: str
    done: bool
    detail: str


class OnboardingOut(Schema):
    customer: int
    required: bool
    done: bool
    checks: list[Check]
    registry_name: str
    registry_active: bool | None
    questions_asked: bool
    terms_sent: bool
    risk_note: str


class OnboardingPatch(Input):
    questions_asked: StrictBool | None = None
    terms_sent: StrictBool | None = None
    risk_note: str | None = Field(None, max_length=5000)


def _today() -> date:
    return timezone.localdate()


def _dec(value: object) -> str | None:
    return None if value is None else str(value)


def _reasons(stored: list[list[Any]]) -> list[dict[str, str]]:
    texts = services.translated(stored)
    return [{"code": item[0], "message": text} for item, text in zip(stored, texts, strict=True)]


def credit_out(customer: Customer, p: RiskProfile) -> dict[str, Any]:
    cfg = services.risk_settings(customer.creditor_id)
    decision = services.decision_of(p, customer, cfg)
    onboarding = onboarding_status(customer, cfg)
    override = getattr(customer, "credit_override", None)
    cur = customer.currency
    return {
        "customer": customer.pk,
        "currency": cur,
        "limit": None if decision.limit_minor is None else amount_text(decision.limit_minor, cur),
        "suggested_limit": amount_text(p.suggested_limit_minor, cur),
        "exposure": amount_text(decision.exposure_minor, cur),
        "open_invoices": amount_text(p.open_minor, cur),
        "open_orders": amount_text(decision.exposure_minor - p.open_minor, cur),
        "available": None
        if decision.available_minor is None
        else amount_text(decision.available_minor, cur),
        "on_hold": p.on_hold,
        "hold_reasons": _reasons(p.hold_reasons),
        "override": None if override is None else ("hold" if override.hold else "release"),
        "deposit_percent": p.deposit_percent,
        "segment": p.segment,
        "onboarding_required": onboarding.required,
        "onboarding_done": onboarding.done,
        "as_of": p.as_of,
    }


def _fresh(who: Caller, customer_id: int) -> tuple[Customer, RiskProfile]:
    customer = get_customer(who, customer_id)
    return customer, services.profile(customer, _today())


@router.get(
    "/customers/{customer_id}/credit",
    response={200: CreditOut, **ONE},
    summary="Credit status: limit, exposure, available, hold and why, deposit",
)
def get_credit(request: Any, customer_id: Id) -> Any:
    customer, p = _fresh(caller(request), customer_id)
    return credit_out(Customer.objects.get(pk=customer.pk), p)


def order_out(order: Order) -> dict[str, Any]:
    from relance.domain.credit import deposit_amount

    return {
        "id": order.pk,
        "customer": order.customer_id,
        "reference": order.reference,
        "amount": amount_text(order.amount_minor, order.currency),
        "currency": order.currency,
        "deposit_percent": order.deposit_percent,
        "deposit": amount_text(
            deposit_amount(order.amount_minor, order.deposit_percent), order.currency
        ),
        "created_at": order.created_at,
    }


@router.get(
    "/customers/{customer_id}/orders",
    response={200: list[OrderOut], **ONE},
    summary="Orders taken and not invoiced yet",
)
def list_orders(request: Any, customer_id: Id) -> Any:
    customer = get_customer(caller(request), customer_id)
    return [order_out(o) for o in Order.objects.filter(customer=customer).order_by("id")]


@router.post(
    "/customers/{customer_id}/orders",
    response={201: OrderOut, **WRITE},
    summary="Record an order on credit (refused while on hold, over the limit or not onboarded)",
)
def create_order(request: Any, customer_id: Id, payload: OrderIn) -> Any:
    who = caller(request)
    who.need_ledger_write()
    customer = get_customer(who, customer_id)
    issues = Issues()
    amount = parse_money(payload.amount, customer.currency, "amount", issues, allow_zero=False)
    issues.raise_if_any()
    assert amount is not None
    if Order.objects.filter(customer=customer, reference=payload.reference.strip()).exists():
        raise conflict(
            _("Order %(ref)s is already recorded.") % {"ref": payload.reference.strip()},
            "reference",
        )
    try:
        order = services.post_order(
            customer,
            reference=payload.reference,
            amount_minor=amount.minor,
            as_of=_today(),
            user=who.user,
        )
    except services.OrderRefused as exc:
        raise ApiError(
            422,
            "credit_refused",
            str(exc),
            [
                {"field": None, "code": item[0], "message": text}
                for item, text in zip(exc.reasons, services.translated(exc.reasons), strict=True)
            ],
        ) from exc
    return Status(201, order_out(order))


@router.delete(
    "/customers/{customer_id}/orders/{order_id}",
    response={204: None, **ONE},
    summary="Remove an order from the exposure (it was invoiced or cancelled)",
)
def delete_order(request: Any, customer_id: Id, order_id: Id) -> Any:
    who = caller(request)
    who.need_ledger_write()
    customer = get_customer(who, customer_id)
    order = Order.objects.filter(customer=customer, pk=order_id).first()
    if order is None:
        raise not_found(_("Order %(id)s not found.") % {"id": order_id})
    services.delete_order(order, _today())
    return Status(204, None)


@router.put(
    "/customers/{customer_id}/credit/override",
    response={200: CreditOut, **WRITE},
    summary="Hold or release a customer by hand, with a reason (audited)",
)
def put_override(request: Any, customer_id: Id, payload: OverrideIn) -> Any:
    who = caller(request)
    who.need_ledger_write()
    customer = get_customer(who, customer_id)
    services.set_override(
        customer, hold=payload.hold, reason=payload.reason, as_of=_today(), user=who.user
    )
    customer, p = _fresh(who, customer_id)
    return credit_out(customer, p)


@router.delete(
    "/customers/{customer_id}/credit/override",
    response={200: CreditOut, **ONE},
    summary="Remove the manual override: the hold rules decide again",
)
def delete_override(request: Any, customer_id: Id) -> Any:
    who = caller(request)
    who.need_ledger_write()
    customer = get_customer(who, customer_id)
    services.clear_override(customer, _today())
    customer, p = _fresh(who, customer_id)
    return credit_out(customer, p)


@router.get(
    "/customers/{customer_id}/risk",
    response={200: ProfileOut, **ONE},
    summary="Behaviour profile and segment, with the reasons",
)
def get_profile(request: Any, customer_id: Id) -> Any:
    customer, p = _fresh(caller(request), customer_id)
    cur = customer.currency
    return {
        "customer": customer.pk,
        "as_of": p.as_of,
        "currency": cur,
        "tenure_days": p.tenure_days,
        "invoices": p.invoices,
        "settled": p.settled,
        "settled_late": p.settled_late,
        "revenue_12m": amount_text(p.revenue_12m_minor, cur),
        "open": amount_text(p.open_minor, cur),
        "overdue": amount_text(p.overdue_minor, cur),
        "open_overdue_invoices": p.open_overdue_invoices,
        "oldest_overdue_days": p.oldest_overdue_days,
        "average_days_late": _dec(p.average_days_late),
        "weighted_days_late": _dec(p.weighted_days_late),
        "share_paid_late": _dec(p.share_paid_late),
        "recent_days_late": _dec(p.recent_days_late),
        "previous_days_late": _dec(p.previous_days_late),
        "trend_days": _dec(p.trend_days),
        "disputes": p.disputes,
        "promises_kept_ratio": _dec(p.promises_kept_ratio),
        "last_payment": p.last_payment,
        "partial_payments": p.partial_payments,
        "reminders_unanswered": p.reminders_unanswered,
        "reminders_bounced": p.reminders_bounced,
        "segment": p.segment,
        "segment_reasons": services.translated(p.segment_reasons),
    }


def onboarding_out(customer: Customer) -> dict[str, Any]:
    cfg = services.risk_settings(customer.creditor_id)
    status = onboarding_status(customer, cfg)
    row = onboarding_of(customer)
    return {
        "customer": customer.pk,
        "required": status.required,
        "done": status.done,
        "checks": [
            {"key": c.key, "label": c.label, "done": c.done, "detail": c.detail}
            for c in status.checks
        ],
        "registry_name": row.registry_name,
        "registry_active": row.registry_active,
        "questions_asked": row.questions_asked,
        "terms_sent": row.terms_sent,
        "risk_note": row.risk_note,
    }


@router.get(
    "/customers/{customer_id}/onboarding",
    response={200: OnboardingOut, **ONE},
    summary="Onboarding checklist of a customer",
)
def get_onboarding(request: Any, customer_id: Id) -> Any:
    return onboarding_out(get_customer(caller(request), customer_id))


@router.patch(
    "/customers/{customer_id}/onboarding",
    response={200: OnboardingOut, **WRITE},
    summary="Record the answers of the onboarding checklist",
)
def patch_onboarding(request: Any, customer_id: Id, payload: OnboardingPatch) -> Any:
    who = caller(request)
    who.need_write()
    customer = get_customer(who, customer_id)
    row = onboarding_of(customer)
    for key, value in payload.dict(exclude_unset=True).items():
        if value is not None:
            setattr(row, key, value.strip() if isinstance(value, str) else value)
    row.save()
    return onboarding_out(customer)


@router.post(
    "/customers/{customer_id}/onboarding/registry-check",
    response={200: OnboardingOut, **WRITE},
    summary="Look the customer up in the company registry (recherche-entreprises)",
)
def registry_check(request: Any, customer_id: Id) -> Any:
    who = caller(request)
    who.need_write()
    customer = get_customer(who, customer_id)
    try:
        check_registry(customer)
    except RegistryError as exc:
        raise ApiError(422, "registry_failed", str(exc)) from exc
    return onboarding_out(customer)
