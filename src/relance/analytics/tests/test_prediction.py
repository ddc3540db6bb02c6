"""Payment-date prediction: features without leakage, baseline, metrics, the model."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest

from relance.analytics.evaluate import evaluate
from relance.analytics.synthetic import generate
from relance.core.errors import BadInput
from relance.domain.prediction import (
    FEATURE_NAMES,
    Baseline,
    HistoryRow,
    OpenItem,
    build_features,
    mae,
    predict_open,
    roc_auc,
    split,
)


def row(
    invoice: str, issued: str, due: str, paid: str | None, customer: str = "A", amount: str = "100"
) -> HistoryRow:
    return HistoryRow(
        customer,
        invoice,
        date.fromisoformat(issued),
        date.fromisoformat(due),
        Decimal(amount),
        date.fromisoformat(paid) if paid else None,
    )


def test_roc_auc_by_hand() -> None:
    # positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of 4 pairs ordered
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == 0.75
    # a tie between a positive and a negative counts half
    assert roc_auc([0.5, 0.5], [False, True]) == 0.5
    assert roc_auc([0.2, 0.9], [False, True]) == 1.0
    assert roc_auc([0.1, 0.2], [True, True]) is None
    with pytest.raises(ValueError):
        roc_auc([0.1], [True, False])


def test_mae() -> None:
    assert mae([1.0, 5.0], [3.0, 2.0]) == 2.5
    with pytest.raises(ValueError):
        mae([], [])


def test_features_use_only_what_was_known_at_issue_date() -> None:
    rows = [
        row("F1", "2025-01-01", "2025-01-31", "2025-02-10"),  # 10 days late, paid before F3
        row("F2", "2025-01-15", "2025-02-14", "2025-04-15"),  # paid after F3 was issued
        row("F3", "2025-03-01", "2025-03-31", "2025-04-05"),
    ]
    features = build_features(rows)
    f3 = dict(zip(FEATURE_NAMES, features["F3"].values, strict=True))
    assert features["F3"].prior_paid == 1  # only F1: F2 was still open on 2025-03-01
    assert features["F3"].prior_mean_delay == 10
    assert f3["open_count"] == 1  # F2
    assert f3["terms_days"] == 30
    assert f3["due_month"] == 3
    f1 = features["F1"]
    assert f1.prior_paid == 0 and f1.prior_mean_delay is None
    assert math.isnan(dict(zip(FEATURE_NAMES, f1.values, strict=True))["prior_mean_delay"])


def test_features_are_per_customer() -> None:
    rows = [
        row("A1", "2025-01-01", "2025-01-31", "2025-03-02", customer="A"),  # 30 late
        row("B1", "2025-01-01", "2025-01-31", "2025-01-31", customer="B"),  # on time
        row("B2", "2025-04-01", "2025-05-01", None, customer="B"),
    ]
    assert build_features(rows)["B2"].prior_mean_delay == 0


def test_baseline_uses_the_customer_history_then_the_training_mean() -> None:
    rows = [
        row("F1", "2025-01-01", "2025-01-31", "2025-02-20", customer="A"),  # 20 late
        row("F2", "2025-01-01", "2025-01-31", "2025-01-31", customer="B"),  # 0
        row("F3", "2025-03-01", "2025-03-31", "2025-04-01", customer="A"),
        row("F4", "2025-03-01", "2025-03-31", "2025-04-01", customer="C"),
    ]
    features = build_features(rows)
    baseline = Baseline.fit(rows[:2])
    assert baseline.delay(features["F3"]) == 20
    assert baseline.delay(features["F4"]) == 10  # no history: the training mean
    assert baseline.late_score(features["F3"]) > baseline.late_score(features["F4"])


def test_split() -> None:
    rows = [
        row("F1", "2025-01-01", "2025-01-31", None),
        row("F2", "2025-02-01", "2025-03-01", None),
    ]
    train, test = split(rows, date(2025, 2, 1))
    assert [r.invoice_id for r in train] == ["F1"]
    assert [r.invoice_id for r in test] == ["F2"]


def test_the_model_beats_the_baseline_on_a_pattern_the_baseline_cannot_see() -> None:
    rows = generate(customers=60, invoices_per_customer=40, seed=3)
    result = evaluate(rows, date(2024, 10, 1), late_days=10)
    assert result["n_train"] > 500 and result["n_test"] > 200
    assert result["model_mae"] < result["baseline_mae"] * 0.7, result
    assert result["model_auc"] > result["baseline_auc"] + 0.05, result


def test_evaluation_without_the_model() -> None:
    result = evaluate(
        generate(customers=5, invoices_per_customer=10), date(2024, 3, 1), with_model=False
    )
    assert result["baseline_mae"] is not None and result["model_mae"] is None


def test_a_split_that_leaves_nothing_to_test_is_refused() -> None:
    rows = generate(customers=3, invoices_per_customer=5)
    with pytest.raises(BadInput, match="to test on"):
        evaluate(rows, date(2030, 1, 1))
    with pytest.raises(BadInput, match="to train on"):
        evaluate(rows, date(2000, 1, 1))


def test_predict_open_items() -> None:
    history = [
        row("A1", "2025-01-01", "2025-01-31", "2025-02-10", customer="A"),  # 10 late
        row("A2", "2025-01-01", "2025-01-31", "2025-03-12", customer="A"),  # 40 late
        row("B1", "2025-01-01", "2025-01-31", "2025-02-05", customer="B"),  # 5 late
        row("B2", "2025-01-01", "2025-01-31", "2025-04-01", customer="B"),  # paid after as_of
    ]
    as_of = date(2025, 3, 31)
    items = [
        OpenItem("x", "A", date(2025, 4, 10), 100),  # habit 25 days: 2025-05-05
        OpenItem("y", "A", date(2025, 3, 1), 100),  # 30 late: A's delays above 30 → 40
        OpenItem("z", "C", date(2025, 3, 25), 100),  # no history, portfolio (10+40+5)/3
        OpenItem("w", "B", date(2025, 1, 1), 100),  # 89 late: nobody ever paid that late
    ]
    got = {
        p.invoice_id: (p.pay_date, p.delay_days, p.basis)
        for p in predict_open(history, items, as_of)
    }
    assert got["x"] == (date(2025, 5, 5), 25, "customer")
    assert got["y"] == (date(2025, 4, 10), 40, "overdue")
    assert got["z"] == (date(2025, 4, 12), 18, "portfolio")
    assert got["w"] == (None, 89, "doubtful")
