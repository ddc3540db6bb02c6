"""`plan_rows` (the run's planner over tuples) decides exactly as `plan_customer`."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from relance.domain.dunning import (
    Audience,
    Channel,
    History,
    OpenItem,
    Policy,
    Repeat,
    Row,
    RowMessage,
    Step,
    Tone,
    default_policy,
    plan_customer,
    plan_rows,
)
from relance.domain.money import exponent

AS_OF = date(2025, 12, 31)
CUSTOMER = 7

#: a policy with a minimum, a B2C-only step and a short repetition, next to the default
SMALL = Policy(
    key="small",
    name="Small",
    steps=(
        Step("pre", -3, (Channel.EMAIL,), Tone.COURTEOUS),
        Step("b2c", 2, (Channel.SMS,), Tone.COURTEOUS, audience=Audience.B2C),
        Step("firm", 10, (Channel.EMAIL,), Tone.FIRM, min_amount=Decimal("150.00")),
        Step("last", 20, (Channel.LETTER,), Tone.FORMAL, min_amount=Decimal("12.5")),
    ),
    repeat=Repeat(every_days=3, max_times=2),
)

items = st.lists(
    st.tuples(
        st.sampled_from(["EUR", "USD", "JPY"]),
        st.integers(-12, 130),  # days past due
        st.integers(0, 40_000),  # open minor
        st.one_of(st.none(), st.tuples(st.integers(0, 6), st.integers(0, 60), st.integers(0, 5))),
        st.sampled_from(["", "", "", "disputed"]),
    ),
    max_size=12,
)


def _both(policy: Policy, drawn: list[tuple[object, ...]], kind: str) -> None:
    open_items: list[OpenItem] = []
    rows: list[Row] = []
    for n, (currency, days, minor, sent, held) in enumerate(drawn):
        assert isinstance(currency, str) and isinstance(days, int) and isinstance(minor, int)
        assert isinstance(held, str)
        last: int | None = None
        since = repeats = 0
        history = History()
        if sent is not None:
            assert isinstance(sent, tuple)
            last, since, repeats = min(sent[0], len(policy.steps) - 1), sent[1], sent[2]
            history = History(last, AS_OF - timedelta(days=since), repeats)
        amount = Decimal(minor).scaleb(-exponent(currency))
        due = AS_OF - timedelta(days=days)
        open_items.append(OpenItem(100 + n, CUSTOMER, currency, due, amount, history, held))
        rows.append((100 + n, currency, days, minor, last, since, repeats, held))
    plan = plan_customer(policy, open_items, AS_OF, kind)
    expected = [
        RowMessage(
            m.currency,
            m.step,
            m.repeat,
            tuple(
                (
                    line.item.invoice_id,
                    line.level,
                    line.advances.repeat if line.advances is not None else None,
                    int(line.item.open_amount.scaleb(exponent(m.currency))),
                    line.item.due_date < AS_OF,
                )
                for line in m.lines
            ),
            int(m.total.scaleb(exponent(m.currency))),
            int(m.overdue_total.scaleb(exponent(m.currency))),
        )
        for m in plan.messages
    ]
    messages, held_back = plan_rows(policy, rows, kind)
    assert messages == expected
    assert [(h.currency, h.invoice_id, h.reason, h.step) for h in held_back] == [
        (h.currency, h.invoice_id, h.reason, h.step) for h in plan.held
    ]


@settings(max_examples=400, deadline=None)
@given(items, st.sampled_from(["b2b", "b2c"]))
def test_plan_rows_decides_as_plan_customer_default_policy(
    drawn: list[tuple[object, ...]], kind: str
) -> None:
    _both(default_policy(), drawn, kind)


@settings(max_examples=400, deadline=None)
@given(items, st.sampled_from(["b2b", "b2c"]))
def test_plan_rows_decides_as_plan_customer_with_minimums(
    drawn: list[tuple[object, ...]], kind: str
) -> None:
    _both(SMALL, drawn, kind)


def test_plan_rows_holds_a_message_below_the_minimum() -> None:
    rows: list[Row] = [(1, "EUR", 12, 14_999, None, 0, 0, "")]
    messages, held = plan_rows(SMALL, rows)
    # first overdue step for a B2B customer is "firm" (the B2C step does not apply)
    assert messages == []
    assert [(h.invoice_id, h.reason) for h in held] == [
        (None, "below the minimum of 150.00 EUR for step firm")
    ]
