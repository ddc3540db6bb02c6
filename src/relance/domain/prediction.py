"""Payment-date prediction: features known at invoice date, the baseline, the metrics.

Pure Python (no Django, no scikit-learn): the gradient-boosting model of the `[ml]` extra
lives in `relance.analytics.model` and consumes the feature rows built here.

Contract
--------
- An invoice's *delay* is `paid_date - due_date` in days (negative when paid early).
- **No leakage**: the features of an invoice use only what was known on its issue date:
  its own amount and terms, and the customer's invoices *paid before* that date (an invoice
  issued earlier but still unpaid on that date counts as open, whatever happened later).
  The `disputed` flag of the history file is not a feature: a dispute is raised after the
  invoice is issued.
- The **baseline** predicts, for each invoice, the customer's own mean delay over the
  invoices it had paid before the issue date; without such history, the mean delay of the
  training set. Its late score is the customer's share of prior invoices paid more than
  `late_days` after their due date (the training share without history), ties broken by
  the mean delay.
- Invoices not paid by the end of the file have no known delay: they are left out of
  training targets and of the test metrics (their amounts still count as open exposure in
  the features of later invoices).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

#: Names of the numeric features, in the order of `Features.values`.
FEATURE_NAMES: tuple[str, ...] = (
    "log_amount",
    "terms_days",
    "due_month",
    "due_weekday",
    "prior_paid",
    "prior_mean_delay",
    "prior_last_delay",
    "prior_max_delay",
    "prior_late_share",
    "prior_weighted_delay",
    "open_count",
    "log_open_amount",
    "tenure_days",
    "amount_vs_prior_mean",
)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One invoice of a payment history (one line of the evaluation CSV)."""

    customer_id: str
    invoice_id: str
    invoice_date: date
    due_date: date
    amount: Decimal
    paid_date: date | None
    disputed: bool = False
    line: int = 0

    @property
    def delay(self) -> int | None:
        return None if self.paid_date is None else (self.paid_date - self.due_date).days


@dataclass(frozen=True, slots=True)
class Features:
    """What is known of an invoice on its issue date."""

    invoice_id: str
    values: tuple[float, ...]
    prior_paid: int
    prior_mean_delay: float | None
    prior_late_share: float | None


class _CustomerTimeline:
    """A customer's invoices, to answer "what was known on date D" quickly."""

    def __init__(self, rows: list[HistoryRow]) -> None:
        paid = sorted((r for r in rows if r.paid_date is not None), key=_paid_key)
        self.paid_dates = [r.paid_date for r in paid if r.paid_date is not None]
        self.paid = paid
        self.issued = sorted(rows, key=lambda r: (r.invoice_date, r.invoice_id))
        self.first_issue = self.issued[0].invoice_date if self.issued else None

    def known_paid(self, on: date) -> list[HistoryRow]:
        """Invoices paid strictly before `on`."""
        return self.paid[: bisect_left(self.paid_dates, on)]

    def open_on(self, on: date, exclude: str) -> list[HistoryRow]:
        """Invoices issued before `on` and not paid before `on`."""
        return [
            r
            for r in self.issued
            if r.invoice_date < on
            and r.invoice_id != exclude
            and (r.paid_date is None or r.paid_date >= on)
        ]


def _paid_key(row: HistoryRow) -> tuple[date, str]:
    assert row.paid_date is not None
    return (row.paid_date, row.invoice_id)


def build_features(rows: Sequence[HistoryRow], late_days: int = 0) -> dict[str, Features]:
    """Features of every invoice of `rows`, keyed by invoice id (see the module contract)."""
    by_customer: dict[str, list[HistoryRow]] = defaultdict(list)
    for row in rows:
        by_customer[row.customer_id].append(row)
    timelines = {c: _CustomerTimeline(rs) for c, rs in by_customer.items()}
    features: dict[str, Features] = {}
    for row in rows:
        timeline = timelines[row.customer_id]
        features[row.invoice_id] = _features(row, timeline, late_days)
    return features


def _features(row: HistoryRow, timeline: _CustomerTimeline, late_days: int) -> Features:
    known = timeline.known_paid(row.invoice_date)
    delays = [r.delay for r in known if r.delay is not None]
    amounts = [float(r.amount) for r in known]
    mean_delay = sum(delays) / len(delays) if delays else None
    late_share = sum(1 for x in delays if x > late_days) / len(delays) if delays else None
    weighted = (
        sum(d * a for d, a in zip(delays, amounts, strict=True)) / sum(amounts)
        if delays and sum(amounts) > 0
        else None
    )
    open_rows = timeline.open_on(row.invoice_date, row.invoice_id)
    open_amount = sum(float(r.amount) for r in open_rows)
    prior_mean_amount = sum(amounts) / len(amounts) if amounts else None
    amount = float(row.amount)
    tenure = (row.invoice_date - timeline.first_issue).days if timeline.first_issue else 0
    nan = math.nan
    values = (
        math.log1p(max(amount, 0.0)),
        float((row.due_date - row.invoice_date).days),
        float(row.due_date.month),
        float(row.due_date.weekday()),
        float(len(delays)),
        mean_delay if mean_delay is not None else nan,
        float(delays[-1]) if delays else nan,
        float(max(delays)) if delays else nan,
        late_share if late_share is not None else nan,
        weighted if weighted is not None else nan,
        float(len(open_rows)),
        math.log1p(max(open_amount, 0.0)),
        float(max(tenure, 0)),
        amount / prior_mean_amount if prior_mean_amount else nan,
    )
    return Features(row.invoice_id, values, len(delays), mean_delay, late_share)


@dataclass(frozen=True, slots=True)
class Baseline:
    """The customer's own delay history, with the training set's averages as fallback."""

    global_mean_delay: float
    global_late_share: float

    @classmethod
    def fit(cls, train: Sequence[HistoryRow], late_days: int = 0) -> Baseline:
        delays = [r.delay for r in train if r.delay is not None]
        if not delays:
            raise ValueError("the training set has no paid invoice")
        return cls(
            global_mean_delay=sum(delays) / len(delays),
            global_late_share=sum(1 for d in delays if d > late_days) / len(delays),
        )

    def delay(self, features: Features) -> float:
        if features.prior_mean_delay is None:
            return self.global_mean_delay
        return features.prior_mean_delay

    def late_score(self, features: Features) -> float:
        share = (
            features.prior_late_share
            if features.prior_late_share is not None
            else self.global_late_share
        )
        # ties (same share) broken by the mean delay, scaled well below one share step
        return share + self.delay(features) / 1_000_000


def mae(predicted: Iterable[float], actual: Iterable[float]) -> float:
    """Mean absolute error."""
    pairs = list(zip(predicted, actual, strict=True))
    if not pairs:
        raise ValueError("no pair to compare")
    return sum(abs(p - a) for p, a in pairs) / len(pairs)


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Area under the ROC curve (Mann-Whitney statistic, ties count half).

    None when the labels hold a single class (the AUC is undefined then).
    """
    if len(scores) != len(labels):
        raise ValueError("scores and labels differ in length")
    positives = sum(1 for label in labels if label)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        mean_rank = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = mean_rank
        i = j + 1
    rank_sum = sum(r for r, label in zip(ranks, labels, strict=True) if label)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def split(
    rows: Sequence[HistoryRow], split_date: date
) -> tuple[list[HistoryRow], list[HistoryRow]]:
    """Invoices issued before `split_date` (training) and the rest (test)."""
    train = [r for r in rows if r.invoice_date < split_date]
    test = [r for r in rows if r.invoice_date >= split_date]
    return train, test


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An invoice still open at the as-of date, for the cash-in forecast."""

    invoice_id: str
    customer_id: str
    due_date: date
    open_minor: int


@dataclass(frozen=True, slots=True)
class Predicted:
    invoice_id: str
    pay_date: date | None  # None: "doubtful", no honest date
    delay_days: int  # predicted delay; for "doubtful", the days overdue so far
    basis: str  # "customer", "portfolio", "overdue" or "doubtful" (see predict_open)


def predict_open(
    history: Sequence[HistoryRow], items: Sequence[OpenItem], as_of: date
) -> list[Predicted]:
    """The expected pay date of each open item, from the delays known at `as_of`.

    Baseline rule: due date + the customer's mean delay over its invoices paid before
    `as_of` (the portfolio's mean when it has none, 0 when nobody has paid yet), basis
    "customer" or "portfolio". When that date has already passed without payment, the
    invoice is later than the habit: it is expected after the mean delay of the paid
    invoices (the customer's, else the portfolio's) that were paid even later than it
    already is — basis "overdue". When no paid invoice was ever that late, there is no
    honest date: `pay_date` is None, basis "doubtful" (a forecast keeps them apart).
    """
    known = [r for r in history if r.paid_date is not None and r.paid_date < as_of]
    per_customer: dict[str, list[int]] = defaultdict(list)
    for r in known:
        if r.delay is not None:
            per_customer[r.customer_id].append(r.delay)
    every = [d for ds in per_customer.values() for d in ds]
    portfolio = round(sum(every) / len(every)) if every else 0
    result: list[Predicted] = []
    for item in items:
        delays = per_customer.get(item.customer_id)
        delay = round(sum(delays) / len(delays)) if delays else portfolio
        basis = "customer" if delays else "portfolio"
        if item.due_date + timedelta(days=delay) <= as_of:
            basis = "overdue"
            late = (as_of - item.due_date).days
            later = [d for d in delays or () if d > late] or [d for d in every if d > late]
            if not later:
                result.append(Predicted(item.invoice_id, None, late, "doubtful"))
                continue
            # every delay in `later` exceeds `late`: the date falls after as_of
            delay = max(round(sum(later) / len(later)), late + 1)
        result.append(
            Predicted(item.invoice_id, item.due_date + timedelta(days=delay), delay, basis)
        )
    return result


def week_start(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())
