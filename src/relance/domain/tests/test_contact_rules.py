"""Contact rules, table-driven: calls a day, weekly caps, cooldown, courtesy hours."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from relance.domain.contact_rules import (
    WORKING_HOURS,
    Contact,
    ContactRules,
    Verdict,
    Window,
    check,
)

RULES = ContactRules()
# Tuesday 1 April 2025, 10:00
NOW = datetime(2025, 4, 1, 10, 0)


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2025, 4, day, hour, 0)


@pytest.mark.parametrize(
    ("channel", "message", "history", "expected"),
    [
        ("email", "m2", [], Verdict(True)),
        # a second call the same day waits for tomorrow
        (
            "call",
            "m2",
            [Contact(date(2025, 4, 1), "call", "m1")],
            Verdict(False, "already 1 call(s) today (at most 1 a day)", at(2)),
        ),
        # the SMS of the same message as today's email goes out with it
        ("sms", "m1", [Contact(date(2025, 4, 1), "email", "m1")], Verdict(True)),
        # another message two days after the last contact: cooldown of 3 days
        (
            "email",
            "m2",
            [Contact(date(2025, 3, 30), "email", "m1")],
            Verdict(False, "cooldown: last contact on 2025-03-30", at(2)),
        ),
        ("email", "m2", [Contact(date(2025, 3, 29), "email", "m1")], Verdict(True)),
        # weekly cap: 2 SMS in the last 7 days (same message key so no cooldown)
        (
            "sms",
            "m",
            [Contact(date(2025, 3, 27), "sms", "m"), Contact(date(2025, 3, 31), "sms", "m")],
            Verdict(False, "weekly cap of 2 sms reached", at(3)),
        ),
        (
            "sms",
            "m",
            [Contact(date(2025, 3, 25), "sms", "m"), Contact(date(2025, 3, 31), "sms", "m")],
            Verdict(True),
        ),
    ],
)
def test_rules(channel: str, message: str, history: list[Contact], expected: Verdict) -> None:
    assert check(RULES, channel, message, NOW, history) == expected


@pytest.mark.parametrize(
    ("moment", "channel", "expected"),
    [
        (datetime(2025, 4, 1, 8, 30), "call", datetime(2025, 4, 1, 9, 0)),  # before opening
        (datetime(2025, 4, 1, 19, 30), "sms", datetime(2025, 4, 2, 9, 0)),  # after closing
        (datetime(2025, 4, 5, 10, 0), "call", datetime(2025, 4, 7, 9, 0)),  # Saturday → Monday
        (datetime(2025, 4, 5, 10, 0), "email", None),  # email: any time
    ],
)
def test_courtesy_hours(moment: datetime, channel: str, expected: datetime | None) -> None:
    verdict = check(RULES, channel, "m", moment, [])
    assert verdict.allowed is (expected is None)
    assert verdict.not_before == expected


def test_window_needs_a_day() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        Window(frozenset(), time(9), time(17)).next_opening(NOW)
    assert WORKING_HOURS.next_opening(NOW) == NOW
