"""Credit rules: suggested limit, holds and overrides, the deposit table."""

from __future__ import annotations

from decimal import Decimal

import pytest

from relance.domain.credit import (
    CreditFacts,
    DepositRule,
    HoldReason,
    HoldRules,
    deposit_amount,
    deposit_percent,
    evaluate,
    order_refusals,
    suggested_limit,
)
from relance.domain.segments import Segment

RULE = DepositRule()

DEPOSITS = [
    (Segment.GOOD_PAYER, Decimal(80), 0),
    (Segment.FIRST_TIME_LATE, None, 0),
    (Segment.NEW, None, 30),
    (Segment.AVOIDER, Decimal(0), 45),
    (Segment.OCCASIONAL_LATE, None, 30),
    (Segment.OCCASIONAL_LATE, Decimal(5), 30),
    (Segment.OCCASIONAL_LATE, Decimal(10), 30),
    (Segment.CHRONIC_LATE, Decimal(35), 38),  # 30 + 15 × 25/50 = 37.5 → 38 (half-up)
    (Segment.CHRONIC_LATE, Decimal(60), 45),
    (Segment.IN_DIFFICULTY, Decimal(200), 45),
    (Segment.CHRONIC_LATE, Decimal("20.0"), 33),  # 30 + 15 × 10/50 = 33
]


@pytest.mark.parametrize(("seg", "days", "expected"), DEPOSITS)
def test_deposit_table(seg: Segment, days: Decimal | None, expected: int) -> None:
    assert deposit_percent(seg, days, RULE) == expected


def test_deposit_rule_is_configurable_and_checked() -> None:
    rule = DepositRule(free=frozenset(), min_percent=10, max_percent=20, from_days=0, to_days=10)
    assert deposit_percent(Segment.GOOD_PAYER, Decimal(5), rule) == 15
    with pytest.raises(ValueError, match="min_percent"):
        DepositRule(min_percent=50, max_percent=40)
    with pytest.raises(ValueError, match="to_days"):
        DepositRule(from_days=30, to_days=30)


def test_deposit_amount_rounds_half_up() -> None:
    assert deposit_amount(12_345, 30) == 3704  # 3703.5 → 3704
    assert deposit_amount(10_000, 0) == 0


def test_suggested_limit_formula() -> None:
    # 120 000.00 a year → 10 000.00 a month; 30-day terms → × 2 = 20 000.00
    assert suggested_limit(12_000_000, 30, Segment.GOOD_PAYER) == 2_000_000
    assert suggested_limit(12_000_000, 30, Segment.CHRONIC_LATE) == 1_000_000
    assert suggested_limit(12_000_000, 60, Segment.OCCASIONAL_LATE) == 2_250_000
    assert suggested_limit(12_000_000, 30, Segment.AVOIDER) == 0
    # rounded down to 100 units
    assert suggested_limit(1_234_567, 30, Segment.GOOD_PAYER) == 200_000  # 2 057.61 → 2 000
    assert suggested_limit(0, 30, Segment.GOOD_PAYER) == 0


def facts(**changes: object) -> CreditFacts:
    base: dict[str, object] = {
        "limit_minor": 100_000,
        "open_minor": 40_000,
        "orders_minor": 10_000,
        "overdue_minor": 0,
        "oldest_overdue_days": 0,
    }
    base.update(changes)
    return CreditFacts(**base)  # type: ignore[arg-type]


def codes(decision: object) -> list[str]:
    return [f.code for f in decision.reasons]  # type: ignore[attr-defined]


def test_exposure_and_available() -> None:
    decision = evaluate(facts())
    assert (decision.exposure_minor, decision.available_minor, decision.on_hold) == (
        50_000,
        50_000,
        False,
    )
    assert evaluate(facts(limit_minor=None)).available_minor is None


def test_hold_rules_and_boundaries() -> None:
    assert not evaluate(facts(oldest_overdue_days=60)).on_hold
    assert codes(evaluate(facts(oldest_overdue_days=61))) == [HoldReason.OVERDUE_DAYS]
    assert codes(evaluate(facts(limit_minor=49_999))) == [HoldReason.LIMIT_EXCEEDED]
    assert not evaluate(facts(limit_minor=50_000)).on_hold
    rules = HoldRules(max_overdue_days=None, max_overdue_minor=1000)
    assert not evaluate(facts(oldest_overdue_days=400, overdue_minor=1000), rules).on_hold
    assert codes(evaluate(facts(overdue_minor=1001), rules)) == [HoldReason.OVERDUE_AMOUNT]
    assert codes(evaluate(facts(legal_stage="formal notice"))) == [HoldReason.LEGAL_STAGE]


def test_manual_override() -> None:
    held = evaluate(facts(override_hold=True, override_reason="impayé chez un confrère"))
    assert held.on_hold and codes(held) == [HoldReason.MANUAL]
    assert held.reasons[0].text() == "held by hand: impayé chez un confrère"
    released = evaluate(facts(oldest_overdue_days=90, override_hold=False))
    assert not released.on_hold
    assert [f.code for f in released.overridden] == [HoldReason.OVERDUE_DAYS]


def test_order_refusals() -> None:
    decision = evaluate(facts())
    assert order_refusals(decision, 50_000) == ()
    assert [f.code for f in order_refusals(decision, 50_001)] == [HoldReason.LIMIT_EXCEEDED]
    held = evaluate(facts(oldest_overdue_days=90))
    assert [f.code for f in order_refusals(held, 1)] == [HoldReason.OVERDUE_DAYS]
