"""Credit policy (pure): suggested limit, exposure, holds and the deposit rule.

Amounts are integer minor units of the customer's currency.

- Exposure = open invoices + orders taken but not invoiced yet.
- Available = limit − exposure (None when there is no limit).
- A customer is on hold when one of the hold rules fires (overdue beyond N days,
  overdue amount beyond a ceiling, limit exceeded, a legal stage reached), unless
  a manual override says otherwise; an override to "hold" holds whatever the rules.
- The deposit to ask on the next order depends on the segment and on the average
  delay (see `DepositRule`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from relance.domain.segments import Segment

# --------------------------------------------------------------------------- limit

#: Share of the base limit granted per segment (see `suggested_limit`).
LIMIT_FACTORS: dict[Segment, Decimal] = {
    Segment.GOOD_PAYER: Decimal("1"),
    Segment.FIRST_TIME_LATE: Decimal("0.9"),
    Segment.OCCASIONAL_LATE: Decimal("0.75"),
    Segment.NEW: Decimal("0.5"),
    Segment.CHRONIC_LATE: Decimal("0.5"),
    Segment.IN_DIFFICULTY: Decimal("0.25"),
    Segment.AVOIDER: Decimal("0"),
}


def suggested_limit(
    revenue_12m_minor: int, terms_days: int, seg: Segment, *, minor_per_unit: int = 100
) -> int:
    """Suggested credit limit, rounded down to 100 currency units.

    base = monthly revenue (revenue of the last 12 months / 12) × (terms in months + 1):
    what a customer buying at its usual pace owes at the worst point of the terms,
    plus one month of orders in flight. The segment factor (`LIMIT_FACTORS`) then
    scales it: a good payer gets the base, an avoider nothing.
    """
    if revenue_12m_minor <= 0:
        return 0
    monthly = Decimal(revenue_12m_minor) / 12
    base = monthly * (Decimal(terms_days) / 30 + 1) * LIMIT_FACTORS[seg]
    step = 100 * minor_per_unit
    return int((base / step).to_integral_value(ROUND_DOWN)) * step


# --------------------------------------------------------------------------- holds


class HoldReason:
    OVERDUE_DAYS = "overdue_days"
    OVERDUE_AMOUNT = "overdue_amount"
    LIMIT_EXCEEDED = "limit_exceeded"
    LEGAL_STAGE = "legal_stage"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class HoldRules:
    """When a customer goes on hold. None switches a rule off."""

    max_overdue_days: int | None = 60
    max_overdue_minor: int | None = None
    hold_over_limit: bool = True
    hold_on_legal_stage: bool = True


@dataclass(frozen=True, slots=True)
class CreditFacts:
    limit_minor: int | None
    open_minor: int
    orders_minor: int
    overdue_minor: int
    oldest_overdue_days: int
    #: the legal stage reached (formal notice, court order…); None until that app exists
    legal_stage: str | None = None
    #: manual override: True holds, False releases, None lets the rules decide
    override_hold: bool | None = None
    override_reason: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    template: str
    values: tuple[tuple[str, str], ...] = ()

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        template = translate(self.template) if translate else self.template
        return template % dict(self.values)


@dataclass(frozen=True, slots=True)
class CreditDecision:
    limit_minor: int | None
    exposure_minor: int
    available_minor: int | None
    on_hold: bool
    reasons: tuple[Finding, ...] = field(default_factory=tuple)
    #: rules that fired but were released by a manual override
    overridden: tuple[Finding, ...] = field(default_factory=tuple)


def _f(code: str, template: str, **values: object) -> Finding:
    return Finding(code, template, tuple((k, str(v)) for k, v in values.items()))


def evaluate(facts: CreditFacts, rules: HoldRules | None = None) -> CreditDecision:
    """Exposure, available credit and hold, with the reasons."""
    r = rules or HoldRules()
    exposure = facts.open_minor + facts.orders_minor
    available = None if facts.limit_minor is None else facts.limit_minor - exposure
    fired: list[Finding] = []
    if r.max_overdue_days is not None and facts.oldest_overdue_days > r.max_overdue_days:
        fired.append(
            _f(
                HoldReason.OVERDUE_DAYS,
                "an invoice is %(days)s days overdue (more than %(max)s)",
                days=facts.oldest_overdue_days,
                max=r.max_overdue_days,
            )
        )
    if r.max_overdue_minor is not None and facts.overdue_minor > r.max_overdue_minor:
        fired.append(
            _f(
                HoldReason.OVERDUE_AMOUNT,
                "overdue amount above the ceiling",
            )
        )
    if r.hold_over_limit and available is not None and available < 0:
        fired.append(_f(HoldReason.LIMIT_EXCEEDED, "credit limit exceeded"))
    if r.hold_on_legal_stage and facts.legal_stage:
        fired.append(
            _f(HoldReason.LEGAL_STAGE, "legal stage reached: %(stage)s", stage=facts.legal_stage)
        )
    if facts.override_hold is True:
        manual = _f(HoldReason.MANUAL, "held by hand: %(why)s", why=facts.override_reason)
        return CreditDecision(facts.limit_minor, exposure, available, True, (manual, *fired))
    if facts.override_hold is False:
        return CreditDecision(facts.limit_minor, exposure, available, False, (), tuple(fired))
    return CreditDecision(facts.limit_minor, exposure, available, bool(fired), tuple(fired))


def order_refusals(decision: CreditDecision, amount_minor: int) -> tuple[Finding, ...]:
    """Why a new order of `amount_minor` cannot be taken on credit (empty: it can)."""
    if decision.on_hold:
        return decision.reasons
    if decision.available_minor is not None and amount_minor > decision.available_minor:
        return (_f(HoldReason.LIMIT_EXCEEDED, "the order would exceed the credit limit"),)
    return ()


# --------------------------------------------------------------------------- deposit


@dataclass(frozen=True, slots=True)
class DepositRule:
    """The deposit (a percentage of the order) to ask on the next order.

    - segments in `free` ask nothing;
    - a new customer asks `new_percent`;
    - an avoider asks `max_percent`;
    - the others ask `min_percent` at `from_days` of average delay (weighted by
      amount), rising in a straight line to `max_percent` at `to_days` and beyond,
      rounded half-up to a whole percent; below `from_days`, `min_percent`.
    """

    free: frozenset[Segment] = frozenset({Segment.GOOD_PAYER, Segment.FIRST_TIME_LATE})
    new_percent: int = 30
    min_percent: int = 30
    max_percent: int = 45
    from_days: int = 10
    to_days: int = 60

    def __post_init__(self) -> None:
        if not 0 <= self.min_percent <= self.max_percent <= 100:
            raise ValueError("deposit: need 0 ≤ min_percent ≤ max_percent ≤ 100")
        if not 0 <= self.new_percent <= 100:
            raise ValueError("deposit: new_percent must be between 0 and 100")
        if self.to_days <= self.from_days:
            raise ValueError("deposit: to_days must be greater than from_days")


def deposit_percent(seg: Segment, days_late: Decimal | None, rule: DepositRule) -> int:
    """The deposit in whole percent of the order."""
    if seg in rule.free:
        return 0
    if seg is Segment.NEW:
        return rule.new_percent
    if seg is Segment.AVOIDER:
        return rule.max_percent
    days = days_late if days_late is not None else Decimal(0)
    span = Decimal(rule.to_days - rule.from_days)
    position = min(max((days - rule.from_days) / span, Decimal(0)), Decimal(1))
    value = rule.min_percent + (rule.max_percent - rule.min_percent) * position
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def deposit_amount(order_minor: int, percent: int) -> int:
    """The deposit on an order, rounded half-up to a minor unit."""
    return int((Decimal(order_minor) * percent / 100).quantize(Decimal(1), ROUND_HALF_UP))
