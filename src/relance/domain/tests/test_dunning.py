"""Which step is due, from the as-of date and the history of sends (table-driven)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from relance.domain.dunning import (
    Audience,
    Channel,
    Due,
    History,
    OpenItem,
    Policy,
    PolicyError,
    Repeat,
    Step,
    StepKind,
    Tone,
    default_policy,
    next_due,
    plan_customer,
)

DUE = date(2025, 3, 31)
POLICY = default_policy()
J = {step.key: i for i, step in enumerate(POLICY.steps)}


def day(offset: int) -> date:
    return DUE + timedelta(days=offset)


def sent(key: str, on: int, repeats: int = 0) -> History:
    return History(J[key], day(on), repeats)


@pytest.mark.parametrize(
    ("as_of", "history", "expected"),
    [
        # before the due date
        (-6, History(), None),
        (-5, History(), Due(J["j-5"])),
        (-1, History(), Due(J["j-5"])),  # late start: the courtesy step is still right
        (-4, sent("j-5", -5), None),
        # on the due date: nothing new
        (0, sent("j-5", -5), None),
        # the day after: J+1, also without a courtesy reminder before
        (1, sent("j-5", -5), Due(J["j+1"])),
        (1, History(), Due(J["j+1"])),
        # never reminded and already 100 days late: start at the first overdue step
        (100, History(), Due(J["j+1"])),
        # spacing kept: J+1 sent late (at J+6), J+8 waits 7 days from that send
        (8, sent("j+1", 6), None),
        (12, sent("j+1", 6), None),
        (13, sent("j+1", 6), Due(J["j+8"])),
        # on time
        (8, sent("j+1", 1), Due(J["j+8"])),
        (7, sent("j+1", 1), None),
        (15, sent("j+8", 8), Due(J["j+15"])),
        (30, sent("j+15", 15), Due(J["j+30"])),
        (45, sent("j+30", 30), Due(J["j+45"])),
        (60, sent("j+45", 45), Due(J["j+60"])),
        # after the last step: repeat every 15 days, at most 4 times
        (74, sent("j+60", 60), None),
        (75, sent("j+60", 60), Due(J["j+60"], 1)),
        (90, sent("j+60", 75, repeats=1), Due(J["j+60"], 2)),
        (500, sent("j+60", 120, repeats=4), None),
        # running again the same day after a send: nothing
        (8, sent("j+8", 8), None),
    ],
)
def test_next_due(as_of: int, history: History, expected: Due | None) -> None:
    assert next_due(POLICY, DUE, history, day(as_of)) == expected


def test_audience_skips_steps_for_other_customers() -> None:
    policy = Policy(
        "p",
        "p",
        (
            Step("a", 1, (Channel.EMAIL,), Tone.COURTEOUS),
            Step("b2b-only", 10, (Channel.LETTER,), Tone.FIRM, audience=Audience.B2B),
            Step("c", 20, (Channel.EMAIL,), Tone.FIRM),
        ),
    )
    history = History(0, day(1))
    assert next_due(policy, DUE, history, day(10), "b2b") == Due(1)
    assert next_due(policy, DUE, history, day(10), "b2c") is None
    assert next_due(policy, DUE, history, day(20), "b2c") == Due(2)


def test_no_repeat_without_repeat_rule() -> None:
    policy = Policy("p", "p", (Step("a", 1, (Channel.EMAIL,), Tone.COURTEOUS),))
    assert next_due(policy, DUE, History(0, day(1)), day(400)) is None


@pytest.mark.parametrize(
    ("steps", "repeat", "message"),
    [
        ((), None, "at least one step"),
        (
            (
                Step("a", 1, (Channel.EMAIL,), Tone.COURTEOUS),
                Step("a", 5, (Channel.EMAIL,), Tone.FIRM),
            ),
            None,
            "share a key",
        ),
        (
            (
                Step("a", 5, (Channel.EMAIL,), Tone.COURTEOUS),
                Step("b", 5, (Channel.EMAIL,), Tone.FIRM),
            ),
            None,
            "increase strictly",
        ),
        ((Step("a", 1, (), Tone.COURTEOUS),), None, "no channel"),
        ((Step("a", 1, (Channel.SMS, Channel.SMS), Tone.COURTEOUS),), None, "repeats a channel"),
        (
            (Step("a", 1, (Channel.SMS,), Tone.COURTEOUS, min_amount=Decimal(-1)),),
            None,
            "negative minimum",
        ),
        ((Step("a", 1, (Channel.SMS,), Tone.COURTEOUS),), Repeat(0, 3), "every_days"),
    ],
)
def test_bad_policies_are_refused(
    steps: tuple[Step, ...], repeat: Repeat | None, message: str
) -> None:
    with pytest.raises(PolicyError, match=message):
        Policy("bad", "bad", steps, repeat)


def test_history_needs_step_and_date_together() -> None:
    with pytest.raises(ValueError, match="both"):
        History(1, None)


def test_default_policy_matches_the_french_practice() -> None:
    steps = {s.key: s for s in POLICY.steps}
    assert [s.offset_days for s in POLICY.steps] == [-5, 1, 8, 15, 30, 45, 60]
    assert steps["j+8"].channels == (Channel.EMAIL, Channel.SMS)
    assert steps["j+15"].channels == (Channel.CALL,)
    assert steps["j+30"].states_penalties and steps["j+30"].channels == (Channel.LETTER,)
    notice = steps["j+45"]
    assert notice.kind == StepKind.FORMAL_NOTICE and notice.needs_approval
    assert notice.channels == (Channel.REGISTERED_LETTER,)
    assert steps["j+60"].kind == StepKind.ESCALATION


# --------------------------------------------------------------------------- grouping


def item(
    invoice_id: int,
    due_offset: int,
    amount: str,
    history: History | None = None,
    currency: str = "EUR",
    held: str = "",
) -> OpenItem:
    return OpenItem(
        invoice_id=invoice_id,
        customer_id=7,
        currency=currency,
        due_date=day(due_offset),
        open_amount=Decimal(amount),
        history=history or History(),
        held=held,
    )


def test_one_message_per_customer_and_currency_each_item_at_its_level() -> None:
    as_of = day(40)
    items = [
        item(1, 0, "100.00", History(J["j+30"], day(30))),  # 40 days late, J+30 sent: no move
        item(2, 32, "250.50", History(J["j+1"], day(33))),  # 8 days late, J+1 sent: J+8 due
        item(3, 39, "80.00"),  # 1 day late, never reminded: J+1 due
        item(4, 45, "60.00"),  # due in 5 days: J-5 due
        item(5, 50, "70.00"),  # due in 10 days: nothing yet, not listed
        item(6, 0, "999.00", currency="USD"),  # another currency: its own message
        item(7, 0, "500.00", held="disputed"),  # held: never listed
    ]
    plan = plan_customer(POLICY, items, as_of)
    assert [(m.currency, POLICY.steps[m.step].key) for m in plan.messages] == [
        ("EUR", "j+8"),
        ("USD", "j+1"),
    ]
    eur = plan.messages[0]
    assert [(line.item.invoice_id, line.level, line.advances) for line in eur.lines] == [
        (1, J["j+30"], None),
        (2, J["j+8"], Due(J["j+8"])),
        (3, J["j+1"], Due(J["j+1"])),
        (4, J["j-5"], Due(J["j-5"])),
    ]
    assert eur.total == Decimal("490.50")
    assert eur.overdue_total == Decimal("430.50")
    assert [(h.invoice_id, h.reason) for h in plan.held] == [(7, "disputed")]


def test_no_message_when_no_item_advances() -> None:
    items = [item(1, 0, "100.00", History(J["j+30"], day(30)))]
    assert plan_customer(POLICY, items, day(40)).messages == ()


def test_minimum_amount_holds_the_message_back_with_a_reason() -> None:
    policy = Policy(
        "p", "p", (Step("a", 1, (Channel.EMAIL,), Tone.COURTEOUS, min_amount=Decimal("50")),)
    )
    plan = plan_customer(policy, [item(1, 0, "49.99")], day(1))
    assert plan.messages == ()
    assert plan.held[0].invoice_id is None and "minimum of 50" in plan.held[0].reason
    assert plan_customer(policy, [item(1, 0, "50.00")], day(1)).messages


def test_paid_items_are_ignored_and_customers_are_not_mixed() -> None:
    assert plan_customer(POLICY, [item(1, 0, "0.00")], day(5)).messages == ()
    other = OpenItem(9, 8, "EUR", DUE, Decimal("1"))
    with pytest.raises(ValueError, match="one customer"):
        plan_customer(POLICY, [item(1, 0, "1.00"), other], day(5))
