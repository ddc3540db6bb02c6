"""Properties of the matching engine, on random books and on the bench's labelled data."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relance.bench.match import SETTINGS as BENCH_SETTINGS
from relance.bench.match import generate
from relance.domain.matching import MatchSettings, OpenInvoice, Outcome, match
from relance.domain.money import Money
from relance.domain.references import rf_reference
from relance.domain.statements import LineKind, StatementLine

DAY = date(2025, 1, 1)
IBANS = ("FR7630006000011234567890189", "FR7610107001011234567890129", "")
SETTINGS = MatchSettings(numbering=("F-{YYYY}-{NNNN}",), max_group_invoices=8)

invoices_st = st.lists(
    st.tuples(st.integers(0, 3), st.integers(1, 30_000), st.integers(0, 2)),
    min_size=1,
    max_size=12,
)
lines_st = st.lists(
    st.tuples(
        st.integers(1, 60_000),  # amount in cents
        st.lists(st.integers(0, 11), max_size=3),  # invoices named
        st.booleans(),  # named with their RF reference, else their number
        st.integers(0, 2),  # payer IBAN
    ),
    min_size=1,
    max_size=8,
)


def book(spec: list[tuple[int, int, int]]) -> list[OpenInvoice]:
    out = []
    for k, (customer, cents, iban) in enumerate(spec):
        number = f"F-2025-{k + 1:04d}"
        out.append(
            OpenInvoice(
                invoice_id=k,
                customer_id=customer,
                number=number,
                rf_reference=rf_reference(number),
                open_amount=Money.from_minor(cents, "EUR"),
                issue_date=DAY,
                due_date=DAY + timedelta(days=30),
                customer_name=f"Client {customer}",
                customer_ibans=(IBANS[iban],) if IBANS[iban] else (),
            )
        )
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices_st, lines_st)
def test_never_more_than_the_line_nor_the_invoice(
    spec: list[tuple[int, int, int]], line_spec: list[tuple[int, list[int], bool, int]]
) -> None:
    invoices = book(spec)
    open_of = {inv.invoice_id: inv.open_amount.minor for inv in invoices}
    lines = []
    for n, (cents, named, use_rf, iban) in enumerate(line_spec):
        refs = [
            invoices[k].rf_reference if use_rf else invoices[k].number
            for k in named
            if k < len(invoices)
        ]
        lines.append(
            StatementLine(
                line_id=f"L{n}",
                booking_date=DAY + timedelta(days=40),
                value_date=None,
                amount=Money.from_minor(cents, "EUR"),
                kind=LineKind.CREDIT,
                counterparty_iban=IBANS[iban],
                references=(" ".join(refs),),
            )
        )
    decisions = match(lines, invoices, SETTINGS)
    assert len(decisions) == len(lines)
    applied: dict[object, int] = defaultdict(int)
    for line, decision in zip(lines, decisions, strict=True):
        for proposal in decision.proposals:
            total = sum(a.amount.minor for a in proposal.allocations)
            assert total <= line.amount.minor
            assert total + proposal.unallocated.minor == line.amount.minor
            ids = [a.invoice_id for a in proposal.allocations]
            assert len(ids) == len(set(ids))
            for allocation in proposal.allocations:
                assert 0 < allocation.amount.minor <= open_of[allocation.invoice_id]
        if decision.outcome == Outcome.AUTO:
            assert decision.best is not None
            for allocation in decision.best.allocations:
                applied[allocation.invoice_id] += allocation.amount.minor
    for invoice_id, amount in applied.items():
        assert amount <= open_of[invoice_id]  # two lines never settle one invoice twice


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_auto_decisions_are_correct_on_labelled_data(seed: int) -> None:
    data = generate(150, 1_500, seed)
    decisions = match(data.lines, data.invoices, BENCH_SETTINGS)
    autos = 0
    for decision in decisions:
        if decision.outcome != Outcome.AUTO:
            continue
        autos += 1
        label = data.labels[decision.line_id]
        assert decision.best is not None
        assert label.matchable, (label, decision)
        assert {a.invoice_id for a in decision.best.allocations} == set(label.invoice_ids)
    assert autos > 0
