"""Negotiation margins: what each role may grant alone, and the approval requests above them.

    margin_for(creditor_id, role) -> Margin           the stored row, else the role's default
    set_margin(creditor_id, role, margin, user=…)      administrators only
    role_of(user, creditor_id) -> str | None           the user's role at the creditor
    promise_excess(margin, promised_on, due_dates)     what exceeds the margin, in words
    plan_excess(margin, agreed_on, due_dates)
    settlement_excess(margin, owed_minor, discount_minor)
    open_request(kind, subject, customer, why, user)   an ApprovalRequest for a credit manager

Defaults (DEFAULTS, documented in docs/negotiation.md):

| role           | extension | instalments | plan length | discount |
|----------------|-----------|-------------|-------------|----------|
| collector      | 30 days   | 3           | 90 days     | 5 %      |
| credit_manager | 120 days  | 12          | 365 days    | 30 %     |
| admin          | 365 days  | 36          | 1095 days   | 99 %     |

The extension of a promise is counted from the earliest due date of its invoices (the oldest
invoice reaches furthest). A read-only user grants nothing. Calls without a user (imports,
system tasks) are not checked against any margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from relance.accounts.models import Membership, Role
from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.negotiation.models import (
    ApprovalKind,
    ApprovalRequest,
    NegotiationMargin,
    PaymentPlan,
    Promise,
    Settlement,
)


class NotAllowed(PermissionError):
    """The user's role may not do this (the message says why)."""


@dataclass(frozen=True, slots=True)
class Margin:
    max_extension_days: int
    max_instalments: int
    max_plan_days: int
    max_discount_percent: Decimal


DEFAULTS: dict[str, Margin] = {
    Role.COLLECTOR: Margin(30, 3, 90, Decimal(5)),
    Role.CREDIT_MANAGER: Margin(120, 12, 365, Decimal(30)),
    Role.ADMIN: Margin(365, 36, 1095, Decimal(99)),
    Role.READ_ONLY: Margin(0, 0, 0, Decimal(0)),
}

#: Roles whose margins an administrator sets (read-only users grant nothing).
EDITABLE_ROLES = (Role.COLLECTOR, Role.CREDIT_MANAGER, Role.ADMIN)
#: Roles that approve or refuse what exceeds a margin.
APPROVER_ROLES = (Role.CREDIT_MANAGER, Role.ADMIN)


def margin_for(creditor_id: int, role: str) -> Margin:
    row = NegotiationMargin.objects.filter(creditor_id=creditor_id, role=role).first()
    if row is None:
        return DEFAULTS.get(role, DEFAULTS[Role.READ_ONLY])
    return Margin(
        row.max_extension_days, row.max_instalments, row.max_plan_days, row.max_discount_percent
    )


def role_of(user: Any, creditor_id: int) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    role: str | None = (
        Membership.objects.filter(user_id=user.pk, creditor_id=creditor_id)
        .values_list("role", flat=True)
        .first()
    )
    return role


def need_writer(user: Any, creditor_id: int) -> str | None:
    """The user's role (None without a user); NotAllowed for read-only or a stranger."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    role = role_of(user, creditor_id)
    if role is None:
        raise NotAllowed("no access to this creditor")
    if role == Role.READ_ONLY:
        raise NotAllowed("a read-only user changes nothing")
    return role


@transaction.atomic
def set_margin(creditor_id: int, role: str, margin: Margin, *, user: Any) -> NegotiationMargin:
    """Store the margins of `role` (administrators only; BadInput on a value out of range)."""
    if role_of(user, creditor_id) != Role.ADMIN:
        raise NotAllowed("only an administrator sets the negotiation margins")
    if role not in EDITABLE_ROLES:
        raise BadInput(f"role: '{role}' has no margins (one of {', '.join(EDITABLE_ROLES)})")
    checks = (
        ("max_extension_days", margin.max_extension_days, 0, 3660),
        ("max_instalments", margin.max_instalments, 1, 120),
        ("max_plan_days", margin.max_plan_days, 1, 3660),
    )
    for field, value, low, high in checks:
        if not low <= value <= high:
            raise BadInput(f"{field}: {value} is not between {low} and {high}")
    if not Decimal(0) <= margin.max_discount_percent < Decimal(100):
        raise BadInput(
            f"max_discount_percent: {margin.max_discount_percent} is not between 0 and 99.99"
        )
    if margin.max_discount_percent.as_tuple().exponent < -2:  # type: ignore[operator]
        raise BadInput("max_discount_percent: at most two decimals")
    row, _created = NegotiationMargin.objects.update_or_create(
        creditor_id=creditor_id,
        role=role,
        defaults={
            "max_extension_days": margin.max_extension_days,
            "max_instalments": margin.max_instalments,
            "max_plan_days": margin.max_plan_days,
            "max_discount_percent": margin.max_discount_percent,
        },
    )
    return row


# --------------------------------------------------------------------------- checks


def promise_excess(margin: Margin, promised_on: date, due_dates: Sequence[date]) -> str:
    """ "" when within the margin, else what exceeds it."""
    if not due_dates:
        return ""
    earliest = min(due_dates)
    extension = (promised_on - earliest).days
    if extension > margin.max_extension_days:
        return (
            f"{extension} days beyond the due date of {earliest.isoformat()}, "
            f"the margin is {margin.max_extension_days}"
        )
    return ""


def plan_excess(margin: Margin, agreed_on: date, due_dates: Sequence[date]) -> str:
    reasons = []
    if len(due_dates) > margin.max_instalments:
        reasons.append(f"{len(due_dates)} instalments, the margin is {margin.max_instalments}")
    if due_dates:
        length = (max(due_dates) - agreed_on).days
        if length > margin.max_plan_days:
            reasons.append(f"{length} days long, the margin is {margin.max_plan_days}")
    return "; ".join(reasons)


def discount_percent(owed_minor: int, discount_minor: int) -> Decimal:
    return (Decimal(discount_minor) * 100 / Decimal(owed_minor)).quantize(Decimal("0.01"))


def settlement_excess(margin: Margin, owed_minor: int, discount_minor: int) -> str:
    percent = discount_percent(owed_minor, discount_minor)
    if percent > margin.max_discount_percent:
        return f"a discount of {percent} %, the margin is {margin.max_discount_percent} %"
    return ""


def open_request(
    kind: str,
    subject: Promise | PaymentPlan | Settlement,
    customer: Customer,
    why: str,
    user: Any,
) -> ApprovalRequest:
    """Ask a credit manager to grant `subject` (what exceeds the margin in `why`)."""
    fields: dict[str, Any] = {}
    if kind == ApprovalKind.PROMISE:
        fields["promise"] = subject
    elif kind == ApprovalKind.PLAN:
        fields["plan"] = subject
    elif kind == ApprovalKind.SETTLEMENT:
        fields["settlement"] = subject
    else:  # pragma: no cover - the callers pass one of the kinds
        raise ValueError(kind)
    return ApprovalRequest.objects.create(
        creditor_id=customer.creditor_id,
        customer=customer,
        kind=kind,
        why=why[:300],
        requested_by=user if getattr(user, "is_authenticated", False) else None,
        **fields,
    )
