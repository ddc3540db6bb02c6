"""Segments on crafted histories: one per segment, and the boundaries of each rule."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from relance.domain.segments import Facts, Segment, Thresholds, segment

#: A customer of two years, 20 invoices all paid on time.
CLEAN = Facts(
    tenure_days=730,
    invoices=20,
    settled=20,
    settled_late=0,
    open_overdue_invoices=0,
    average_days_late=Decimal(0),
    weighted_days_late=Decimal(0),
    overdue_minor=0,
    oldest_overdue_days=0,
    partial_payments=0,
)


def facts(**changes: object) -> Facts:
    return replace(CLEAN, **changes)  # type: ignore[arg-type]


CASES = [
    ("good payer", CLEAN, Segment.GOOD_PAYER),
    ("new by tenure", facts(tenure_days=30, settled=1), Segment.NEW),
    ("new by few settled", facts(settled=2, invoices=2), Segment.NEW),
    (
        "first time late",
        facts(open_overdue_invoices=1, overdue_minor=1000, oldest_overdue_days=20),
        Segment.FIRST_TIME_LATE,
    ),
    (
        "occasional",
        facts(settled_late=4, weighted_days_late=Decimal(8), average_days_late=Decimal(6)),
        Segment.OCCASIONAL_LATE,
    ),
    (
        "chronic",
        facts(settled_late=12, weighted_days_late=Decimal(38), average_days_late=Decimal(30)),
        Segment.CHRONIC_LATE,
    ),
    (
        "in difficulty",
        facts(partial_payments=2, overdue_minor=5000, oldest_overdue_days=10),
        Segment.IN_DIFFICULTY,
    ),
    (
        "avoider, unanswered",
        facts(reminders_unanswered=3, overdue_minor=5000, oldest_overdue_days=30),
        Segment.AVOIDER,
    ),
    (
        "avoider, unreachable",
        facts(reminders_bounced=2, overdue_minor=100, oldest_overdue_days=5),
        Segment.AVOIDER,
    ),
    ("avoider, broken promises", facts(promises_broken=2), Segment.AVOIDER),
    ("in difficulty, plan asked", facts(plan_requests=1), Segment.IN_DIFFICULTY),
]


@pytest.mark.parametrize(("name", "given", "expected"), CASES, ids=[c[0] for c in CASES])
def test_one_history_per_segment(name: str, given: Facts, expected: Segment) -> None:
    result = segment(given)
    assert result.segment is expected
    assert result.reasons, "a segment always says why"


BOUNDARIES = [
    # tenure: 89 days is new, 90 is not
    (facts(tenure_days=89), Segment.NEW),
    (facts(tenure_days=90), Segment.GOOD_PAYER),
    # good payer: share late ≤ 10 %, weighted ≤ 5 days, nothing overdue > 15 days
    (facts(settled_late=2, weighted_days_late=Decimal(5)), Segment.GOOD_PAYER),
    (facts(settled_late=2, weighted_days_late=Decimal("5.1")), Segment.OCCASIONAL_LATE),
    (facts(settled_late=3, weighted_days_late=Decimal(1)), Segment.OCCASIONAL_LATE),
    (
        facts(settled_late=2, open_overdue_invoices=0, oldest_overdue_days=16),
        Segment.OCCASIONAL_LATE,
    ),
    # chronic: share ≥ 50 % and ≥ 15 days
    (facts(settled_late=10, weighted_days_late=Decimal(15)), Segment.CHRONIC_LATE),
    (facts(settled_late=10, weighted_days_late=Decimal("14.9")), Segment.OCCASIONAL_LATE),
    (facts(settled_late=9, weighted_days_late=Decimal(40)), Segment.OCCASIONAL_LATE),
    # avoider: 3 unanswered reminders AND 30 days overdue
    (
        facts(
            reminders_unanswered=3, overdue_minor=1, oldest_overdue_days=29, open_overdue_invoices=1
        ),
        Segment.FIRST_TIME_LATE,
    ),
    (
        facts(
            reminders_unanswered=2, overdue_minor=1, oldest_overdue_days=30, open_overdue_invoices=1
        ),
        Segment.FIRST_TIME_LATE,
    ),
    # in difficulty needs the partial payments *and* something overdue
    (facts(partial_payments=5), Segment.GOOD_PAYER),
    (facts(partial_payments=1, overdue_minor=10), Segment.GOOD_PAYER),
]


@pytest.mark.parametrize(("given", "expected"), BOUNDARIES)
def test_boundaries(given: Facts, expected: Segment) -> None:
    assert segment(given).segment is expected


def test_reasons_read_like_a_sentence() -> None:
    chronic = facts(
        settled=14,
        invoices=14,
        settled_late=12,
        weighted_days_late=Decimal(38),
        average_days_late=Decimal(30),
    )
    result = segment(chronic)
    assert result.segment is Segment.CHRONIC_LATE
    assert [r.text() for r in result.reasons] == [
        "12 of 14 invoices paid or still open late, weighted 38 days"
    ]
    assert result.tone == "firm"


def test_thresholds_are_settings() -> None:
    strict = Thresholds(good_max_share_late=Decimal(0), good_max_weighted_days=Decimal(0))
    given = facts(settled_late=2, weighted_days_late=Decimal(1))
    assert segment(given).segment is Segment.GOOD_PAYER
    assert segment(given, strict).segment is Segment.OCCASIONAL_LATE


def test_unknown_facts_never_fire() -> None:
    assert CLEAN.plan_requests is None and CLEAN.promises_broken is None
    assert segment(CLEAN).segment is Segment.GOOD_PAYER
