"""The matching engine: each signal, ambiguity, and what is never applied automatically."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

import pytest

from relance.domain.matching import (
    Decision,
    Fit,
    MatchSettings,
    OpenInvoice,
    Outcome,
    match,
)
from relance.domain.money import Money
from relance.domain.references import ReferenceError_, format_rf, rf_reference
from relance.domain.statements import LineKind, StatementLine

IBAN_A = "FR7630006000011234567890189"
IBAN_B = "FR7610107001011234567890129"
IBAN_D = "DE89370400440532013000"
SETTINGS = MatchSettings(numbering=("F-{YYYY}-{NNNN}",))


def eur(value: str) -> Money:
    return Money.of(value, "EUR")


def invoice(
    number: str, customer: str, amount: str, issued: date = date(2025, 1, 10)
) -> OpenInvoice:
    names = {
        "A": "Dupont Plomberie SARL",
        "B": "Martin Transports SAS",
        "C": "Garage Leroy",
        "D": "Müller Bau GmbH",
    }
    ibans = {"A": (IBAN_A,), "B": (IBAN_B,), "C": (), "D": (IBAN_D,)}
    return OpenInvoice(
        invoice_id=number,
        customer_id=customer,
        number=number,
        rf_reference=rf_reference(number),
        open_amount=eur(amount),
        issue_date=issued,
        due_date=date(2025, 2, 28),
        customer_name=names[customer],
        customer_ibans=ibans[customer],
    )


BOOK = [
    invoice("F-2025-0001", "A", "100.00"),
    invoice("F-2025-0002", "A", "250.00"),
    invoice("F-2025-0003", "A", "40.50"),
    invoice("F-2025-0004", "B", "250.00"),
    invoice("F-2025-0005", "B", "999.99"),
    invoice("F-2025-0006", "C", "75.00"),
    invoice("F-2025-0007", "D", "10.00"),
    invoice("F-2025-0008", "D", "20.00"),
    invoice("F-2025-0009", "D", "30.00"),
    invoice("F-2025-0010", "D", "40.00"),
]
RF1 = rf_reference("F-2025-0001")


@dataclass(frozen=True)
class Case:
    amount: str
    refs: tuple[str, ...] = ()
    iban: str = ""
    name: str = ""
    booked: date = date(2025, 3, 5)
    kind: LineKind = LineKind.CREDIT
    outcome: Outcome = Outcome.AUTO
    invoices: tuple[str, ...] = ()  # of the best proposal
    reasons: tuple[str, ...] = ()  # codes among the best proposal's reasons
    suggestion: str = ""
    allocated: tuple[str, ...] = field(default=())  # amounts of the best proposal


def line(case: Case, line_id: str = "L1") -> StatementLine:
    return StatementLine(
        line_id=line_id,
        booking_date=case.booked,
        value_date=case.booked,
        amount=eur(case.amount),
        kind=case.kind,
        counterparty_name=case.name,
        counterparty_iban=case.iban,
        references=case.refs,
    )


CASES = {
    "rf reference": Case("100.00", (RF1,), invoices=("F-2025-0001",), reasons=("rf", "amount")),
    "rf printed, lower case": Case(
        "100.00", (format_rf(RF1).lower(),), invoices=("F-2025-0001",), reasons=("rf",)
    ),
    "number with spaces": Case(
        "100.00", ("VIR F 2025 1",), invoices=("F-2025-0001",), reasons=("number",)
    ),
    "number without prefix": Case(
        "100.00", ("facture 2025/0001",), invoices=("F-2025-0001",), reasons=("digits",)
    ),
    "number lower case run together": Case(
        "100.00", ("f2025-0001",), invoices=("F-2025-0001",), reasons=("number",)
    ),
    "typo in rf reference": Case(
        "100.00",
        (RF1[:-1] + "2",),
        invoices=("F-2025-0001",),
        reasons=("near", "amount"),
    ),
    "two digits swapped in the number": Case(
        "40.50", ("FACT F-2025-0030",), invoices=("F-2025-0003",), reasons=("near", "amount")
    ),
    "typo naming another customer's invoice, amount and IBAN agree": Case(
        "100.00",
        ("F-2025-0004",),
        iban=IBAN_A,
        invoices=("F-2025-0001",),
        reasons=("near", "iban", "amount"),
    ),
    "typo naming another customer's invoice, nothing confirms it": Case(
        "100.00", ("F-2025-0004",), outcome=Outcome.REVIEW, invoices=("F-2025-0001",)
    ),
    "typo or partial payment of the named invoice": Case(
        "100.00", ("F-2025-0002",), iban=IBAN_A, outcome=Outcome.REVIEW
    ),
    "known IBAN and exact amount": Case(
        "40.50", iban=IBAN_A, invoices=("F-2025-0003",), reasons=("iban", "amount")
    ),
    "IBAN with spaces and lower case": Case(
        "40.50", iban="fr76 3000 6000 0112 3456 7890 189", invoices=("F-2025-0003",)
    ),
    "two customers, same amount": Case(
        "250.00",
        outcome=Outcome.REVIEW,
        reasons=("amount",),
        suggestion="ambiguous",
    ),
    "same amount, the IBAN tells the customer": Case(
        "250.00", iban=IBAN_B, invoices=("F-2025-0004",), reasons=("iban", "amount")
    ),
    "same amount, a reference tells the invoice": Case(
        "250.00", ("F-2025-0002",), invoices=("F-2025-0002",)
    ),
    "grouped payment, numbers named": Case(
        "140.50",
        ("F-2025-0001 / F-2025-0003",),
        invoices=("F-2025-0001", "F-2025-0003"),
        reasons=("number", "amount"),
    ),
    "grouped payment found by amount for a known payer": Case(
        "350.00", iban=IBAN_A, invoices=("F-2025-0001", "F-2025-0002"), reasons=("iban",)
    ),
    "grouped payment with two combinations": Case(
        "50.00", iban=IBAN_D, outcome=Outcome.REVIEW, suggestion="ambiguous"
    ),
    "partial payment": Case(
        "60.00",
        ("F-2025-0002",),
        outcome=Outcome.REVIEW,
        invoices=("F-2025-0002",),
        reasons=("partial",),
        suggestion="partial",
        allocated=("60.00",),
    ),
    "over-payment": Case(
        "130.00",
        (RF1,),
        outcome=Outcome.REVIEW,
        invoices=("F-2025-0001",),
        reasons=("over",),
        suggestion="overpayment",
        allocated=("100.00",),
    ),
    "pays some of the invoices it names": Case(
        "250.00",
        ("F-2025-0001 F-2025-0002",),
        invoices=("F-2025-0002",),
    ),
    "invoices of two customers named": Case(
        "1099.99",
        ("F-2025-0001 F-2025-0005",),
        outcome=Outcome.REVIEW,
        invoices=("F-2025-0001", "F-2025-0005"),
        suggestion="split",
    ),
    "unknown payer": Case(
        "12.34",
        ("VIREMENT",),
        iban="FR7612345000010000000000187",
        name="Inconnu SA",
        outcome=Outcome.NONE,
    ),
    "name only and exact amount": Case(
        "75.00",
        name="GARAGE LEROY",
        outcome=Outcome.REVIEW,
        invoices=("F-2025-0006",),
        reasons=("name", "amount"),
    ),
    "name with accents and legal form": Case(
        "40.50",
        iban=IBAN_A,
        name="DUPONT PLOMBERIE",
        invoices=("F-2025-0003",),
        reasons=("iban", "name"),
    ),
    "paid before the invoice existed": Case(
        "100.00",
        (RF1,),
        booked=date(2024, 12, 1),
        outcome=Outcome.REVIEW,
        invoices=("F-2025-0001",),
        reasons=("before_issue",),
    ),
    "not a credit": Case("100.00", (RF1,), kind=LineKind.DEBIT, outcome=Outcome.NONE),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_signal(case: Case) -> None:
    (decision,) = match([line(case)], BOOK, SETTINGS)
    assert decision.outcome == case.outcome, decision
    best = decision.best
    if case.invoices:
        assert best is not None
        assert tuple(a.invoice_id for a in best.allocations) == case.invoices, decision
    codes = {r.code for r in best.reasons} if best else set()
    assert set(case.reasons) <= codes, decision
    if case.suggestion:
        assert decision.suggestion == case.suggestion
    if case.allocated:
        assert best is not None
        assert tuple(str(a.amount.amount) for a in best.allocations) == case.allocated
    if case.outcome == Outcome.AUTO:
        assert best is not None and best.fit == Fit.EXACT
        assert decision.confidence >= SETTINGS.auto_threshold


def test_two_customers_same_amount_proposes_both() -> None:
    (decision,) = match([line(Case("250.00"))], BOOK, SETTINGS)
    invoices = {a.invoice_id for p in decision.proposals for a in p.allocations}
    assert {"F-2025-0002", "F-2025-0004"} <= invoices
    assert {p.customer_ids for p in decision.proposals} >= {("A",), ("B",)}


def test_reasons_read_as_text() -> None:
    (decision,) = match([line(Case("100.00", (RF1,), iban=IBAN_A))], BOOK, SETTINGS)
    assert decision.best is not None
    texts = [str(r) for r in decision.best.reasons]
    assert f"RF reference {RF1}" in texts
    assert "amount equals the open balance" in texts
    assert "payer IBAN known for the customer" in texts
    assert decision.confidence == 100


def test_grouped_reason_counts_the_invoices() -> None:
    case = Case("390.50", iban=IBAN_A)  # all three invoices of A
    (decision,) = match([line(case)], BOOK, SETTINGS)
    assert decision.outcome == Outcome.AUTO
    assert decision.best is not None
    assert "3 invoices sum to the amount" in [str(r) for r in decision.best.reasons]


def test_tolerance() -> None:
    case = Case("99.60", (RF1,))
    (strict,) = match([line(case)], BOOK, SETTINGS)
    assert strict.outcome == Outcome.REVIEW and strict.suggestion == "partial"
    loose = MatchSettings(numbering=SETTINGS.numbering, tolerance=Decimal("0.50"))
    (decision,) = match([line(case)], BOOK, loose)
    assert decision.outcome == Outcome.AUTO
    assert decision.best is not None and decision.best.fit == Fit.TOLERANCE
    assert [a.amount for a in decision.best.allocations] == [eur("99.60")]
    assert "tolerance" in {r.code for r in decision.best.reasons}


def test_the_same_invoice_paid_twice_in_one_batch_goes_to_review() -> None:
    case = Case("100.00", (RF1,))
    first, second = match([line(case, "L1"), line(case, "L2")], BOOK, SETTINGS)
    assert first.outcome == second.outcome == Outcome.REVIEW
    assert first.suggestion == second.suggestion == "duplicate"
    assert "L2" in str(first.reasons[-1]) and "L1" in str(second.reasons[-1])


def test_shared_iban_counts_less() -> None:
    shared = [*BOOK, invoice("F-2025-0011", "B", "40.50")]
    shared[-1] = replace(shared[-1], customer_ibans=(IBAN_A,))
    (decision,) = match([line(Case("40.50", iban=IBAN_A))], shared, SETTINGS)
    assert decision.outcome == Outcome.REVIEW
    codes = {r.code for p in decision.proposals for r in p.reasons}
    assert "iban_shared" in codes


def test_invoice_in_another_currency_is_not_a_candidate() -> None:
    usd = replace(BOOK[0], open_amount=Money.of("100.00", "USD"))
    (decision,) = match([line(Case("100.00", (RF1,)))], [usd], SETTINGS)
    assert decision.outcome == Outcome.NONE


def test_numbers_outside_the_patterns_are_found_as_written() -> None:
    odd = replace(BOOK[0], number="2025-A-77", rf_reference="")
    (decision,) = match([line(Case("100.00", ("paiement 2025-A-77",)))], [odd], MatchSettings())
    assert decision.outcome == Outcome.AUTO


def test_decisions_keep_the_order_of_lines() -> None:
    cases = [Case("100.00", (RF1,)), Case("12.34"), Case("40.50", iban=IBAN_A)]
    decisions: list[Decision] = match(
        [line(c, f"L{n}") for n, c in enumerate(cases)], BOOK, SETTINGS
    )
    assert [d.line_id for d in decisions] == ["L0", "L1", "L2"]
    assert [d.outcome for d in decisions] == [Outcome.AUTO, Outcome.NONE, Outcome.AUTO]


def test_a_payment_from_another_customer_says_so() -> None:
    (decision,) = match([line(Case("100.00", (RF1,), iban=IBAN_B))], BOOK, SETTINGS)
    assert decision.outcome == Outcome.AUTO  # the reference and the amount settle it
    assert decision.best is not None
    assert "other_payer" in {r.code for r in decision.best.reasons}


def test_a_bad_numbering_pattern_is_refused_before_matching() -> None:
    with pytest.raises(ReferenceError_, match="needs a sequence part"):
        match([line(Case("100.00"))], BOOK, MatchSettings(numbering=("F-{YYYY}",)))
