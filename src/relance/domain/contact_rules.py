"""Contact rules: when an automatic contact may go out (pure, no Django).

Enforced by the engine just before each send, never merely advised:

- at most `calls_per_day` phone calls to a customer per day;
- per-channel caps over a rolling week (7 days);
- a cooldown after any contact: no new automatic message within `cooldown_days` of the
  last one sent — the channels of one message (an email and its SMS) go out together;
- courtesy hours and days per channel (a setting, not a law: LEGAL.md §6).

A contact that may not go out now is postponed to the first moment it may, with the
reason; nothing is dropped silently. Opt-outs are applied when the recipient is chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from relance.domain.dunning import DEBTOR_CHANNELS

WEEK = 7
#: At most one phone call to a customer a day, whatever a creditor's settings say.
MAX_CALLS_PER_DAY = 1


@dataclass(frozen=True, slots=True)
class Window:
    """Allowed days (0 = Monday) and hours [start, end) for a channel, in local time."""

    days: frozenset[int] = frozenset(range(7))
    start: time = time(0, 0)
    end: time = time(23, 59, 59)

    def allows(self, moment: datetime) -> bool:
        return moment.weekday() in self.days and self.start <= moment.time() < self.end

    def next_opening(self, moment: datetime) -> datetime:
        """The first allowed moment at or after `moment`."""
        for n in range(8):
            day = moment.date() + timedelta(days=n)
            if day.weekday() not in self.days:
                continue
            opening = datetime.combine(day, self.start, tzinfo=moment.tzinfo)
            closing = datetime.combine(day, self.end, tzinfo=moment.tzinfo)
            if moment < opening:
                return opening
            if moment < closing:
                return moment
        raise ValueError("a contact window must allow at least one day")


WORKING_HOURS = Window(frozenset(range(5)), time(9, 0), time(19, 0))


@dataclass(frozen=True, slots=True)
class ContactRules:
    calls_per_day: int = 1
    weekly_caps: Mapping[str, int] = field(
        default_factory=lambda: {
            "email": 3,
            "sms": 2,
            "call": 3,
            "letter": 2,
            "registered_letter": 1,
        }
    )
    cooldown_days: int = 3
    windows: Mapping[str, Window] = field(
        default_factory=lambda: {"call": WORKING_HOURS, "sms": WORKING_HOURS}
    )

    def __post_init__(self) -> None:
        # The one rule no setting may loosen: never more than one call to a customer a day.
        if not 0 <= self.calls_per_day <= MAX_CALLS_PER_DAY:
            raise ValueError(
                f"calls per day must be between 0 and {MAX_CALLS_PER_DAY}, not {self.calls_per_day}"
            )
        if self.cooldown_days < 0 or any(cap < 0 for cap in self.weekly_caps.values()):
            raise ValueError("caps and cooldown cannot be negative")


@dataclass(frozen=True, slots=True)
class Contact:
    """One contact already sent to the customer: when, on which channel, for which message."""

    sent_on: date
    channel: str
    message: str  # actions of one message share this key (run date and currency)


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: str = ""
    not_before: datetime | None = None


ALLOW = Verdict(True)


def check(
    rules: ContactRules,
    channel: str,
    message: str,
    now: datetime,
    history: Iterable[Contact],
) -> Verdict:
    """May a contact on `channel` (part of `message`) go out at local time `now`?

    Internal tasks and meetings are not contacts with the debtor: always allowed."""
    if channel not in DEBTOR_CHANNELS:
        return ALLOW
    today = now.date()
    past = [c for c in history if c.sent_on <= today]
    midnight = datetime.combine(today, time(0, 0), tzinfo=now.tzinfo)
    if channel == "call":
        calls = sum(1 for c in past if c.channel == "call" and c.sent_on == today)
        if calls >= rules.calls_per_day:
            return Verdict(
                False,
                f"already {calls} call(s) today (at most {rules.calls_per_day} a day)",
                midnight + timedelta(days=1),
            )
    cap = rules.weekly_caps.get(channel)
    if cap is not None:
        week = sorted(
            c.sent_on
            for c in past
            if c.channel == channel and c.sent_on > today - timedelta(days=WEEK)
        )
        if len(week) >= cap:
            frees = week[len(week) - cap] + timedelta(days=WEEK)
            return Verdict(
                False,
                f"weekly cap of {cap} {channel} reached",
                datetime.combine(frees, time(0, 0), tzinfo=now.tzinfo),
            )
    others = [c.sent_on for c in past if c.message != message]
    if others and rules.cooldown_days > 0:
        last = max(others)
        until = last + timedelta(days=rules.cooldown_days)
        if today < until:
            return Verdict(
                False,
                f"cooldown: last contact on {last.isoformat()}",
                datetime.combine(until, time(0, 0), tzinfo=now.tzinfo),
            )
    window = rules.windows.get(channel)
    if window is not None and not window.allows(now):
        return Verdict(False, f"outside the courtesy hours of {channel}", window.next_opening(now))
    return ALLOW
