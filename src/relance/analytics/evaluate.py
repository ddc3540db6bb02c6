"""`relance predict evaluate`: baseline and model on one history, split at a date.

Trains on the invoices issued before the split date, tests on the others (paid ones only:
see `relance.domain.prediction`), and reports the MAE in days of the predicted pay date and
the ROC AUC of "paid more than N days after the due date" for both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from relance.analytics.model import DelayModel
from relance.core.errors import BadInput
from relance.domain.prediction import Baseline, HistoryRow, build_features, mae, roc_auc, split


def _round(value: float | None, places: int = 3) -> float | None:
    return None if value is None else round(value, places)


def evaluate(
    rows: Sequence[HistoryRow], split_date: date, late_days: int = 0, with_model: bool = True
) -> dict[str, Any]:
    train, test = split(rows, split_date)
    train_paid = [r for r in train if r.delay is not None]
    test_paid = [r for r in test if r.delay is not None]
    if not train_paid:
        raise BadInput(f"no paid invoice issued before {split_date.isoformat()} to train on")
    if not test_paid:
        raise BadInput(f"no paid invoice issued on or after {split_date.isoformat()} to test on")
    features = build_features(rows, late_days)
    baseline = Baseline.fit(train_paid, late_days)
    test_features = [features[r.invoice_id] for r in test_paid]
    actual = [float(r.delay) for r in test_paid if r.delay is not None]
    labels = [r.delay is not None and r.delay > late_days for r in test_paid]
    result: dict[str, Any] = {
        "n_train": len(train_paid),
        "n_test": len(test_paid),
        "late_days": late_days,
        "split_date": split_date.isoformat(),
        "unpaid_excluded": len(rows) - len(train_paid) - len(test_paid),
        "baseline_mae": _round(mae([baseline.delay(f) for f in test_features], actual)),
        "baseline_auc": _round(roc_auc([baseline.late_score(f) for f in test_features], labels)),
        "model_mae": None,
        "model_auc": None,
    }
    if with_model:
        model = DelayModel.fit(
            [features[r.invoice_id] for r in train_paid],
            [r.delay for r in train_paid if r.delay is not None],
            late_days,
        )
        result["model_mae"] = _round(mae(model.delays(test_features), actual))
        result["model_auc"] = _round(roc_auc(model.late_scores(test_features), labels))
    return result
