"""A synthetic payment history with a pattern a customer's average cannot see.

Each customer has a habit (its usual delay), and on top of it every invoice is paid later
when it is large (cash-flow strain) or falls due in August or December (holidays, year-end
closing). The baseline, which predicts a customer's average delay, misses the per-invoice
part; a model that sees the amount and the due month can learn it. Deterministic for a seed.
Used by the tests and by `relance predict sample`.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from relance.domain.prediction import HistoryRow

HEADER = "customer_id,invoice_id,invoice_date,due_date,amount,paid_date,disputed"


def generate(
    customers: int = 60, invoices_per_customer: int = 40, seed: int = 1, start: date | None = None
) -> list[HistoryRow]:
    rng = random.Random(seed)
    first = start or date(2024, 1, 1)
    rows: list[HistoryRow] = []
    for c in range(customers):
        habit = rng.choice((-2, 0, 3, 8, 15))
        day = first + timedelta(days=rng.randrange(0, 20))
        for i in range(invoices_per_customer):
            day += timedelta(days=rng.randrange(5, 15))
            due = day + timedelta(days=rng.choice((30, 45, 60)))
            large = rng.random() < 0.3
            amount = Decimal(rng.randrange(8_000, 30_000) if large else rng.randrange(100, 2_000))
            delay = habit + rng.randint(-2, 2)
            if large:
                delay += 25
            if due.month in (8, 12):
                delay += 20
            paid = due + timedelta(days=delay)
            rows.append(HistoryRow(f"C{c:03d}", f"F{c:03d}-{i:03d}", day, due, amount, paid, False))
    return rows


def to_csv(rows: list[HistoryRow]) -> str:
    lines = [HEADER]
    for r in rows:
        paid = r.paid_date.isoformat() if r.paid_date else ""
        lines.append(
            f"{r.customer_id},{r.invoice_id},{r.invoice_date.isoformat()},"
            f"{r.due_date.isoformat()},{r.amount},{paid},{int(r.disputed)}"
        )
    return "\n".join(lines) + "\n"
