"""Limitation (prescription) of an invoice claim (pure, no Django; LEGAL.md §3, §7).

    limitation_of(start_dates, consumer, events=(), rules=LimitationRules()) -> Limitation
    limitation.status(as_of) -> LimitationStatus        # ok / ahead (warning) / expired
    refuse_if_time_barred(limitation, as_of, action)    # raises TimeBarred with the reason

- Period: 5 years between businesses (C. com. L110-4), 2 years when the debtor is a
  consumer (C. consom. L218-2).
- Start: the due date by default (the day the creditor could claim payment, C. civ. 2224);
  `LimitationRules.start` may choose the issue date or the delivery date instead.
- A recorded acknowledgment by the debtor (C. civ. 2240), a court claim including an
  injonction de payer request (2241) or an enforcement act (2244) restarts a full period
  from its date (2231). A formal notice does not (Cass. com. 18 May 2022, n° 20-23.204):
  it is accepted and ignored. Suspension (mediation, 2238) is not modelled.
- The period ends on the same calendar day N years later (29 February → 28 February); a
  claim made on that last day is in time, from the next day it is time-barred.
- Warnings: `status()` is "ahead" from `warn_days` (default 90) before the last day.

This is an aid, not legal advice: a court decides on limitation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from relance.domain.calendar import add_months


class StartEvent(StrEnum):
    DUE = "due"
    ISSUE = "issue"
    DELIVERY = "delivery"


class EventKind(StrEnum):
    ACKNOWLEDGMENT = "acknowledgment"
    COURT_CLAIM = "court_claim"
    ENFORCEMENT = "enforcement"
    FORMAL_NOTICE = "formal_notice"


#: Events that restart the period; the others are recorded and have no effect.
RESTARTING = frozenset({EventKind.ACKNOWLEDGMENT, EventKind.COURT_CLAIM, EventKind.ENFORCEMENT})


class TimeBarred(ValueError):
    """A claim or escalation refused because the limitation period is over."""


@dataclass(frozen=True, slots=True)
class LimitationRules:
    commercial_years: int = 5
    consumer_years: int = 2
    start: StartEvent = StartEvent.DUE
    warn_days: int = 90

    def __post_init__(self) -> None:
        if self.commercial_years < 1 or self.consumer_years < 1 or self.warn_days < 0:
            raise ValueError("limitation periods are at least a year and warnings not negative")


@dataclass(frozen=True, slots=True)
class StartDates:
    due: date
    issue: date
    delivery: date | None = None

    def pick(self, event: StartEvent) -> date:
        if event is StartEvent.ISSUE:
            return self.issue
        if event is StartEvent.DELIVERY:
            return self.delivery or self.issue
        return self.due


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    on: date


class LimitationStatus(StrEnum):
    OK = "ok"
    AHEAD = "ahead"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Limitation:
    years: int
    #: The day the current period runs from (the start event or the last restart).
    runs_from: date
    #: The last day a claim is in time.
    last_day: date
    #: What set `runs_from`: "due", "issue", "delivery" or a restarting event kind.
    reason: str
    warn_days: int

    def status(self, as_of: date) -> LimitationStatus:
        if as_of > self.last_day:
            return LimitationStatus.EXPIRED
        if as_of >= self.last_day - timedelta(days=self.warn_days):
            return LimitationStatus.AHEAD
        return LimitationStatus.OK

    def days_left(self, as_of: date) -> int:
        """Days from `as_of` to the last day (0 on the last day, negative after)."""
        return (self.last_day - as_of).days


def limitation_of(
    dates: StartDates,
    consumer: bool,
    events: Iterable[Event] = (),
    rules: LimitationRules = LimitationRules(),
) -> Limitation:
    """The limitation of one invoice claim from its dates and the recorded events."""
    years = rules.consumer_years if consumer else rules.commercial_years
    runs_from = dates.pick(rules.start)
    reason = rules.start.value
    last_day = add_months(runs_from, 12 * years)
    for event in sorted(events, key=lambda e: e.on):
        if event.kind not in RESTARTING or event.on < runs_from:
            continue
        # An event after the period ended cannot revive a time-barred claim.
        if event.on > last_day:
            break
        runs_from, reason = event.on, event.kind.value
        last_day = add_months(runs_from, 12 * years)
    return Limitation(years, runs_from, last_day, reason, rules.warn_days)


def refuse_if_time_barred(limitation: Limitation, as_of: date, action: str = "claim") -> None:
    """Raise `TimeBarred` when `action` (a claim, a formal notice, a court file) comes too late."""
    if limitation.status(as_of) is LimitationStatus.EXPIRED:
        raise TimeBarred(
            f"{action} refused: the claim is time-barred since {limitation.last_day.isoformat()}"
            f" ({limitation.years}-year limitation from {limitation.runs_from.isoformat()},"
            f" {limitation.reason})"
        )
