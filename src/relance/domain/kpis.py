"""Collection indicators computed from ledger figures (pure; amounts in minor units).

- **CEI** (collection effectiveness index) over a period:
  (receivables at the start + sales of the period − receivables at the end)
  ÷ (receivables at the start + sales of the period − current receivables at the end) × 100,
  where *current* means not yet due. 100 % = everything that could be collected was.
  Undefined (None) when the denominator is zero or negative (nothing was collectable).
- **At-risk rate** at a date: the share of open receivables more than `days` overdue
  (default 90), in percent. None without receivables.
- **Step effectiveness**: among the invoices a reminder listed, the share fully paid within
  `window` days after it was sent (open amount at planning covered by allocations dated in
  (sent, sent + window]).

Percentages are `Decimal`s quantized half-up to 0.1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

_TENTH = Decimal("0.1")


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole × 100, to 0.1; None when `whole` is not positive."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_TENTH, rounding=ROUND_HALF_UP)


def cei(begin: int, sales: int, end_total: int, end_current: int) -> Decimal | None:
    """Collection effectiveness index of one period (see the module docstring)."""
    collectable = begin + sales - end_current
    return percent(begin + sales - end_total, collectable)


def at_risk_rate(open_total: int, open_beyond: int) -> Decimal | None:
    """Share of the open receivables that is beyond the risk threshold."""
    return percent(open_beyond, open_total)


@dataclass(frozen=True, slots=True)
class ListedItem:
    """One invoice listed by one sent reminder."""

    step: str
    channel: str
    open_minor: int  # open when the reminder was planned
    paid_within_minor: int  # allocated to it in the window after the send


@dataclass(frozen=True, slots=True)
class Effectiveness:
    step: str
    channel: str
    items: int
    paid: int
    share: Decimal | None
    recovered_minor: int


def effectiveness(items: Iterable[ListedItem]) -> list[Effectiveness]:
    """Per (step, channel): items listed, items paid in full within the window, share."""
    groups: dict[tuple[str, str], list[int]] = {}
    for item in items:
        cell = groups.setdefault((item.step, item.channel), [0, 0, 0])
        cell[0] += 1
        if item.open_minor > 0 and item.paid_within_minor >= item.open_minor:
            cell[1] += 1
        cell[2] += min(item.paid_within_minor, max(item.open_minor, 0))
    return [
        Effectiveness(step, channel, n, paid, percent(paid, n), recovered)
        for (step, channel), (n, paid, recovered) in sorted(groups.items())
    ]
