"""Limitation: 5 years commercial, 2 consumer, restarts, warnings and refusals."""

from __future__ import annotations

from datetime import date

import pytest

from relance.domain.limitation import (
    Event,
    EventKind,
    LimitationRules,
    LimitationStatus,
    StartDates,
    StartEvent,
    TimeBarred,
    limitation_of,
    refuse_if_time_barred,
)

DATES = StartDates(due=date(2020, 3, 31), issue=date(2020, 3, 1), delivery=date(2020, 2, 20))


def test_commercial_five_years_from_the_due_date() -> None:
    lim = limitation_of(DATES, consumer=False)
    assert lim.last_day == date(2025, 3, 31) and lim.reason == "due" and lim.years == 5
    assert lim.status(date(2024, 12, 30)) is LimitationStatus.OK
    assert lim.status(date(2024, 12, 31)) is LimitationStatus.AHEAD  # 90 days before
    assert lim.status(date(2025, 3, 31)) is LimitationStatus.AHEAD  # last day still in time
    assert lim.status(date(2025, 4, 1)) is LimitationStatus.EXPIRED
    assert lim.days_left(date(2025, 3, 1)) == 30


def test_consumer_two_years() -> None:
    lim = limitation_of(DATES, consumer=True)
    assert lim.last_day == date(2022, 3, 31) and lim.years == 2


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (StartEvent.ISSUE, date(2025, 3, 1)),
        (StartEvent.DELIVERY, date(2025, 2, 20)),
        (StartEvent.DUE, date(2025, 3, 31)),
    ],
)
def test_start_event_is_a_setting(start: StartEvent, expected: date) -> None:
    assert limitation_of(DATES, False, rules=LimitationRules(start=start)).last_day == expected


def test_acknowledgment_and_court_claim_restart_a_formal_notice_does_not() -> None:
    events = [
        Event(EventKind.FORMAL_NOTICE, date(2024, 6, 1)),
        Event(EventKind.ACKNOWLEDGMENT, date(2022, 6, 1)),
    ]
    lim = limitation_of(DATES, False, events)
    assert lim.last_day == date(2027, 6, 1) and lim.reason == "acknowledgment"
    notice_only = limitation_of(DATES, False, [Event(EventKind.FORMAL_NOTICE, date(2024, 6, 1))])
    assert notice_only.last_day == date(2025, 3, 31)
    court = limitation_of(DATES, True, [Event(EventKind.COURT_CLAIM, date(2021, 1, 10))])
    assert court.last_day == date(2023, 1, 10) and court.reason == "court_claim"


def test_an_event_after_expiry_does_not_revive_the_claim() -> None:
    lim = limitation_of(DATES, True, [Event(EventKind.ACKNOWLEDGMENT, date(2023, 1, 1))])
    assert lim.last_day == date(2022, 3, 31)


def test_29_february_ends_on_28_february() -> None:
    dates = StartDates(due=date(2024, 2, 29), issue=date(2024, 2, 1))
    assert limitation_of(dates, True).last_day == date(2026, 2, 28)


def test_refusal_after_the_last_day_gives_the_reason() -> None:
    lim = limitation_of(DATES, consumer=False)
    refuse_if_time_barred(lim, date(2025, 3, 31), "formal notice")  # in time: no error
    with pytest.raises(TimeBarred, match=r"formal notice refused: .* since 2025-03-31"):
        refuse_if_time_barred(lim, date(2025, 4, 1), "formal notice")


def test_warn_days_setting() -> None:
    lim = limitation_of(DATES, False, rules=LimitationRules(warn_days=10))
    assert lim.status(date(2025, 3, 20)) is LimitationStatus.OK
    assert lim.status(date(2025, 3, 21)) is LimitationStatus.AHEAD
