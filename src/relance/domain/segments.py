"""Debtor segments from payment behaviour (pure, table-driven).

`segment(facts, thresholds)` walks `RULES` in order; the first rule that matches
gives the segment, and every rule returns the *reasons* it matched on, so that a
person can see why ("12 of 14 invoices paid late, weighted 38 days").

Reasons carry an English template and its values; the interfaces translate the
template (the French catalogue has the same templates) and fill it in.

Facts that relance does not record yet (payment-plan requests, promises) are
`None`: a rule that needs them does not fire on them, it never guesses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Segment(StrEnum):
    NEW = "new"
    GOOD_PAYER = "good_payer"
    FIRST_TIME_LATE = "first_time_late"
    OCCASIONAL_LATE = "occasional_late"
    CHRONIC_LATE = "chronic_late"
    IN_DIFFICULTY = "in_difficulty"
    AVOIDER = "avoider"


#: The tone each segment calls for (the dunning policy mapped to it should match).
TONES: dict[Segment, str] = {
    Segment.NEW: "courteous",
    Segment.GOOD_PAYER: "courteous",
    Segment.FIRST_TIME_LATE: "courteous",
    Segment.OCCASIONAL_LATE: "firm",
    Segment.CHRONIC_LATE: "firm",
    Segment.IN_DIFFICULTY: "courteous",
    Segment.AVOIDER: "formal",
}


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known of one customer at the as-of date (amounts in minor units)."""

    tenure_days: int
    invoices: int
    settled: int
    settled_late: int
    open_overdue_invoices: int
    average_days_late: Decimal | None
    weighted_days_late: Decimal | None
    overdue_minor: int
    oldest_overdue_days: int
    partial_payments: int
    reminders_unanswered: int = 0
    reminders_bounced: int = 0
    #: not recorded yet: None
    plan_requests: int | None = None
    promises_kept: int | None = None
    promises_broken: int | None = None

    @property
    def late_invoices(self) -> int:
        """Invoices paid late plus those open past their due date."""
        return self.settled_late + self.open_overdue_invoices

    @property
    def known_invoices(self) -> int:
        """Invoices whose punctuality is known: settled, or open and already late."""
        return self.settled + self.open_overdue_invoices

    @property
    def share_late(self) -> Decimal | None:
        if not self.known_invoices:
            return None
        return Decimal(self.late_invoices) / Decimal(self.known_invoices)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The settings of the rules (documented in docs/risk.md)."""

    new_max_tenure_days: int = 90
    new_min_settled: int = 3
    good_max_share_late: Decimal = Decimal("0.10")
    good_max_weighted_days: Decimal = Decimal(5)
    good_max_overdue_days: int = 15
    chronic_min_share_late: Decimal = Decimal("0.50")
    chronic_min_weighted_days: Decimal = Decimal(15)
    difficulty_min_partial_payments: int = 2
    difficulty_min_plan_requests: int = 1
    avoider_min_unanswered: int = 3
    avoider_min_overdue_days: int = 30
    avoider_min_bounced: int = 2
    avoider_min_broken_promises: int = 2


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a rule matched: an English template (`%(name)s` placeholders) and its values."""

    template: str
    values: tuple[tuple[str, str], ...] = ()

    def text(self, translate: Callable[[str], str] = lambda s: s) -> str:
        return translate(self.template) % dict(self.values)


def _reason(template: str, **values: object) -> Reason:
    return Reason(template, tuple((k, str(v)) for k, v in values.items()))


@dataclass(frozen=True, slots=True)
class Result:
    segment: Segment
    reasons: tuple[Reason, ...]

    @property
    def tone(self) -> str:
        return TONES[self.segment]


Rule = Callable[[Facts, Thresholds], tuple[Reason, ...] | None]


def _late_summary(f: Facts) -> Reason:
    weighted = f.weighted_days_late if f.weighted_days_late is not None else Decimal(0)
    return _reason(
        "%(late)s of %(known)s invoices paid or still open late, weighted %(days)s days",
        late=f.late_invoices,
        known=f.known_invoices,
        days=weighted,
    )


def _avoider(f: Facts, t: Thresholds) -> tuple[Reason, ...] | None:
    reasons: list[Reason] = []
    if (
        f.reminders_unanswered >= t.avoider_min_unanswered
        and f.oldest_overdue_days >= t.avoider_min_overdue_days
    ):
        reasons.append(
            _reason(
                "%(n)s reminders without payment since, oldest invoice %(days)s days overdue",
                n=f.reminders_unanswered,
                days=f.oldest_overdue_days,
            )
        )
    if f.reminders_bounced >= t.avoider_min_bounced and f.overdue_minor > 0:
        reasons.append(_reason("%(n)s reminders bounced: unreachable", n=f.reminders_bounced))
    if f.promises_broken is not None and f.promises_broken >= t.avoider_min_broken_promises:
        reasons.append(_reason("%(n)s promises broken", n=f.promises_broken))
    return tuple(reasons) or None


def _in_difficulty(f: Facts, t: Thresholds) -> tuple[Reason, ...] | None:
    reasons: list[Reason] = []
    if f.partial_payments >= t.difficulty_min_partial_payments and f.overdue_minor > 0:
        reasons.append(
            _reason(
                "%(n)s invoices paid in instalments or in part, still overdue",
                n=f.partial_payments,
            )
        )
    if f.plan_requests is not None and f.plan_requests >= t.difficulty_min_plan_requests:
        reasons.append(_reason("%(n)s payment plans asked for", n=f.plan_requests))
    return tuple(reasons) or None


def _new(f: Facts, t: Thresholds) -> tuple[Reason, ...] | None:
    if f.tenure_days < t.new_max_tenure_days:
        return (_reason("customer for %(days)s days", days=f.tenure_days),)
    if f.settled < t.new_min_settled and f.late_invoices <= 1:
        return (_reason("only %(n)s invoices settled so far", n=f.settled),)
    return None


def _chronic(f: Facts, t: Thresholds) -> tuple[Reason, ...] | None:
    share = f.share_late
    weighted = f.weighted_days_late or Decimal(0)
    if (
        share is not None
        and share >= t.chronic_min_share_late
        and max(weighted, Decimal(f.oldest_overdue_days)) >= t.chronic_min_weighted_days
        and f.late_invoices >= 2
    ):
        return (_late_summary(f),)
    return None


def _first_time(f: Facts, t: Thresholds) -> tuple[Reason, ...] | None:
    if f.late_invoices == 1:
        return (_reason("first invoice late out of %(known)s", known=f.known_invoices),)
    return None


def _good(f: Facts, t: Thresholds) -> tuple[Reason, ...] | None:
    share = f.share_late or Decimal(0)
    weighted = f.weighted_days_late or Decimal(0)
    if (
        share <= t.good_max_share_late
        and weighted <= t.good_max_weighted_days
        and f.oldest_overdue_days <= t.good_max_overdue_days
    ):
        return (
            _reason(
                "%(late)s of %(known)s invoices late, weighted %(days)s days",
                late=f.late_invoices,
                known=f.known_invoices,
                days=weighted,
            ),
        )
    return None


def _occasional(f: Facts, t: Thresholds) -> tuple[Reason, ...] | None:
    return (_late_summary(f),)


#: Checked in this order; the last rule always matches.
RULES: tuple[tuple[Segment, Rule], ...] = (
    (Segment.AVOIDER, _avoider),
    (Segment.IN_DIFFICULTY, _in_difficulty),
    (Segment.NEW, _new),
    (Segment.CHRONIC_LATE, _chronic),
    (Segment.FIRST_TIME_LATE, _first_time),
    (Segment.GOOD_PAYER, _good),
    (Segment.OCCASIONAL_LATE, _occasional),
)


def segment(facts: Facts, thresholds: Thresholds | None = None) -> Result:
    """The segment of a customer and the reasons for it."""
    t = thresholds or Thresholds()
    for seg, rule in RULES:
        reasons = rule(facts, t)
        if reasons is not None:
            return Result(seg, reasons)
    raise AssertionError("the last rule always matches")  # pragma: no cover
