"""The payment-date model of the `[ml]` extra: gradient boosting on invoice-date features.

scikit-learn is imported lazily, only here: without the extra, `MLMissing` says how to get it.
Two models share the features of `relance.domain.prediction.build_features`: a regressor of
the delay in days (absolute-error loss, as the metric is the MAE) and a classifier of "paid
more than N days after the due date". Missing history is NaN, which the histogram gradient
boosting of scikit-learn handles natively.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from relance.domain.prediction import Features

#: Fixed so that two evaluations of one file give the same figures.
SEED = 7


class MLMissing(RuntimeError):
    """The `[ml]` extra is not installed."""


def _sklearn() -> Any:
    try:
        from sklearn import ensemble
    except ImportError as exc:  # pragma: no cover - the test environment has the extra
        raise MLMissing(
            'the model needs the ml extra: pip install "relance[ml]" (scikit-learn)'
        ) from exc
    return ensemble


@dataclass
class DelayModel:
    regressor: Any
    classifier: Any | None
    constant_late: float

    @classmethod
    def fit(
        cls, features: Sequence[Features], delays: Sequence[int], late_days: int = 0
    ) -> DelayModel:
        if not features:
            raise ValueError("the training set has no paid invoice")
        ensemble = _sklearn()
        x = [f.values for f in features]
        regressor = ensemble.HistGradientBoostingRegressor(
            loss="absolute_error", max_iter=200, learning_rate=0.08, random_state=SEED
        )
        regressor.fit(x, list(delays))
        labels = [d > late_days for d in delays]
        classifier = None
        if 0 < sum(labels) < len(labels):
            classifier = ensemble.HistGradientBoostingClassifier(
                max_iter=200, learning_rate=0.08, random_state=SEED
            )
            classifier.fit(x, labels)
        return cls(regressor, classifier, sum(labels) / len(labels))

    def delays(self, features: Sequence[Features]) -> list[float]:
        if not features:
            return []
        return [float(v) for v in self.regressor.predict([f.values for f in features])]

    def late_scores(self, features: Sequence[Features]) -> list[float]:
        if not features:
            return []
        if self.classifier is None:
            return [self.constant_late] * len(features)
        proba = self.classifier.predict_proba([f.values for f in features])
        return [float(p[1]) for p in proba]
