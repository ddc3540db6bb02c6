"""Negotiation margins: what each role may grant alone, and the approval requests above them.

    margin_for(creditor_id, role) -> Margin           the stored row, else the role's default
    set_margin(creditor_id, role, margin, user=…)      administrators only
    role_of(user, creditor_id) -> str | None           the user's role at the creditor
    promise_excess(margin, promised_on, due_dates)     what exceeds the margin, in words
    plan_excess(margin, agreed_on, due_dates)
    settlement_excess(margin, owed_minor, discount_minor)
    open_request(kind, subject, customer, why, user)   an ApprovalRequest for a credit manager

    portal_margin_for(creditor_id) -> PortalLimits     the debtor portal's self-service margin
    set_portal_margin(creditor_id, limits, user=…)     administrators only
    portal_plan_excess(limits, agreed_on, rows, currency, cap_currency)

Defaults (DEFAULTS, documented in docs/negotiation.md):

| role           | extension | instalments | plan length | discount |
|----------------|-----------|-------------|-------------|----------|
| collector      | 30 days   | 3           | 90 days     | 5 %      |
| credit_manager | 120 days  | 12          | 365 days    | 30 %     |
| admin          | 365 days  | 36          | 1095 days   | 99 %     |

The extension of a promise is counted from the earliest due date of its invoices (the oldest
invoice reaches furthest). A read-only user grants nothing. Calls without a user (imports,
system tasks) are not checked against any margin, unless the caller passes one explicitly
(`propose_plan(…, self_service=limits)`: the debtor portal).

The self-service margin (PORTAL_DEFAULTS, one `PortalMargin` row per creditor): what a debtor
may obtain alone from the portal — on, at most 3 instalments, 90 days from the agreement to
the last one, the first within 30 days, no cap on the amount (the collector's plan margin).
The amount cap is in minor units of the creditor's currency: a plan in another currency is
beyond a cap that is set.
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
from relance.domain.money import Money
from relance.negotiation.models import (
    ApprovalKind,
    ApprovalRequest,
    NegotiationMargin,
    PaymentPlan,
    PortalMargin,
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


@dataclass(frozen=True, slots=True)
class PortalLimits:
    """The debtor portal's self-service margin for payment plans."""

    enabled: bool
    max_instalments: int
    max_plan_days: int
    first_within_days: int
    #: minor units of the creditor's currency; 0: no cap
    max_total_minor: int = 0


PORTAL_DEFAULTS = PortalLimits(
    enabled=True, max_instalments=3, max_plan_days=90, first_within_days=30, max_total_minor=0
)


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


def portal_margin_for(creditor_id: int) -> PortalLimits:
    row = PortalMargin.objects.filter(creditor_id=creditor_id).first()
    if row is None:
        return PORTAL_DEFAULTS
    return PortalLimits(
        row.enabled,
        row.max_instalments,
        row.max_plan_days,
        row.first_within_days,
        row.max_total_minor,
    )


#: (field, lowest, highest) of the self-service margin's numbers
PORTAL_RANGES = (
    ("max_instalments", 1, 120),
    ("max_plan_days", 1, 3660),
    ("first_within_days", 0, 365),
    ("max_total_minor", 0, 10**15),
)


@transaction.atomic
def set_portal_margin(creditor_id: int, limits: PortalLimits, *, user: Any) -> PortalMargin:
    """Store the portal's self-service margin (administrators only; BadInput on a value out
    of range)."""
    if role_of(user, creditor_id) != Role.ADMIN:
        raise NotAllowed("only an administrator sets the negotiation margins")
    for field, low, high in PORTAL_RANGES:
        value = getattr(limits, field)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise BadInput(f"portal {field}: {value} is not between {low} and {high}")
    if not isinstance(limits.enabled, bool):
        raise BadInput("portal enabled: on or off")
    row, _created = PortalMargin.objects.update_or_create(
        creditor_id=creditor_id,
        defaults={
            "enabled": limits.enabled,
            "max_instalments": limits.max_instalments,
            "max_plan_days": limits.max_plan_days,
            "first_within_days": limits.first_within_days,
            "max_total_minor": limits.max_total_minor,
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


def portal_plan_excess(
    limits: PortalLimits,
    agreed_on: date,
    rows: Sequence[tuple[date, int]],
    currency: str,
    cap_currency: str,
) -> str:
    """ "" when a plan asked for from the portal is within the self-service margin, else
    what exceeds it (every limit exceeded, in words). `cap_currency`: the creditor's."""
    if not limits.enabled:
        return "debtor portal: plans are not accepted automatically (the switch is off)"
    due_dates = [day for day, _minor in rows]
    reasons = []
    if len(due_dates) > limits.max_instalments:
        reasons.append(f"{len(due_dates)} instalments, the margin is {limits.max_instalments}")
    if due_dates:
        first = (min(due_dates) - agreed_on).days
        if first > limits.first_within_days:
            reasons.append(
                f"first instalment {first} days after the agreement, "
                f"the margin is {limits.first_within_days}"
            )
        length = (max(due_dates) - agreed_on).days
        if length > limits.max_plan_days:
            reasons.append(f"{length} days long, the margin is {limits.max_plan_days}")
    if limits.max_total_minor:
        total = sum(minor for _day, minor in rows)
        cap = Money.from_minor(limits.max_total_minor, cap_currency)
        if currency != cap_currency:
            reasons.append(
                f"a plan in {currency}, the amount margin is set in {cap_currency} ({cap})"
            )
        elif total > limits.max_total_minor:
            reasons.append(f"{Money.from_minor(total, currency)}, the margin is {cap}")
    if not reasons:
        return ""
    return "debtor portal: " + "; ".join(reasons)


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
