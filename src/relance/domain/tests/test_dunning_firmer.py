"""The firmer step after a broken promise or a breached plan (relance.domain.dunning)."""

from __future__ import annotations

import pytest

from relance.domain import dunning as dd

POLICY = dd.default_policy()  # j-5, j+1 courteous; j+8, j+15, j+30 firm; j+45, j+60 formal


def key(index: int | None) -> str | None:
    return None if index is None else POLICY.steps[index].key


@pytest.mark.parametrize(
    ("last", "kind", "expected"),
    [
        (None, "b2b", "j+8"),  # never reminded: not the courteous j+1
        (POLICY.index("j-5"), "b2b", "j+8"),
        (POLICY.index("j+1"), "b2b", "j+8"),
        (POLICY.index("j+8"), "b2b", "j+15"),  # the next step, firm already
        (POLICY.index("j+30"), "b2b", "j+45"),
        (POLICY.index("j+60"), "b2b", None),  # at the last step: repetitions take over
    ],
)
def test_firmer_step(last: int | None, kind: str, expected: str | None) -> None:
    assert key(dd.firmer_step(POLICY, last, kind)) == expected


def test_only_courteous_steps_left_gives_the_next_one() -> None:
    policy = dd.Policy(
        "soft",
        "soft",
        (
            dd.Step("a", 1, (dd.Channel.EMAIL,), dd.Tone.COURTEOUS),
            dd.Step("b", 10, (dd.Channel.EMAIL,), dd.Tone.COURTEOUS),
        ),
    )
    assert dd.firmer_step(policy, 0) == 1


# (invoice, currency, days late, open minor, last step, days since, repeats, held)
def row(days: int, last: int | None, since: int) -> dd.Row:
    return (1, "EUR", days, 10000, last, since, 0, "")


@pytest.mark.parametrize(
    ("days", "last", "since", "floors", "expected"),
    [
        (7, POLICY.index("j+1"), 5, None, None),  # j+8 not reached yet
        (7, POLICY.index("j+1"), 5, {1: POLICY.index("j+8")}, "j+8"),  # due at once
        (20, None, 0, None, "j+1"),  # never reminded: the first overdue step
        (20, None, 0, {1: POLICY.index("j+8")}, "j+8"),
        (40, POLICY.index("j+8"), 25, {1: POLICY.index("j+8")}, "j+15"),  # the floor is a floor
        (-3, None, 0, {1: POLICY.index("j+8")}, "j-5"),  # not overdue: no floor
    ],
)
def test_floors_in_plan_rows(
    days: int, last: int | None, since: int, floors: dict[int, int] | None, expected: str | None
) -> None:
    messages, _held = dd.plan_rows(POLICY, [row(days, last, since)], "b2b", floors)
    assert (POLICY.steps[messages[0].step].key if messages else None) == expected
