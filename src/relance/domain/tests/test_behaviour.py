from __future__ import annotations

from datetime import date
from decimal import Decimal

from relance.domain.behaviour import InvoiceHistory, behaviour

AS_OF = date(2025, 6, 30)


def inv(
    issue: str, due: str, total: int, open_: int = 0, settled: str | None = None
) -> InvoiceHistory:
    return InvoiceHistory(
        issue_date=date.fromisoformat(issue),
        due_date=date.fromisoformat(due),
        total_minor=total,
        open_minor=open_,
        settled_on=date.fromisoformat(settled) if settled else None,
    )


def test_behaviour_of_a_mixed_history() -> None:
    history = [
        inv("2024-01-10", "2024-02-09", 100_00, settled="2024-02-05"),  # early: 0 days late
        inv("2025-01-10", "2025-02-09", 300_00, settled="2025-03-11"),  # 30 days late
        inv("2025-05-01", "2025-05-31", 50_00, open_=50_00),  # open, 30 days overdue
        inv("2025-06-20", "2025-07-20", 20_00, open_=20_00),  # open, not due
        inv("2025-07-05", "2025-08-04", 999_00, open_=999_00),  # after as-of: ignored
    ]
    b = behaviour(history, AS_OF, last_payment=date(2025, 3, 11))
    assert b.invoices == 4
    assert b.first_invoice == date(2024, 1, 10)
    assert b.tenure_days == (AS_OF - date(2024, 1, 10)).days
    assert b.revenue_12m_minor == 370_00
    assert (b.settled, b.settled_late) == (2, 1)
    assert b.average_days_late == Decimal("15.0")
    assert b.weighted_days_late == Decimal("22.5")  # 30 × 300 / 400
    assert b.share_paid_late == Decimal("0.500")
    assert (b.open_minor, b.overdue_minor, b.oldest_overdue_days) == (70_00, 50_00, 30)
    assert b.last_payment == date(2025, 3, 11)


def test_behaviour_without_history() -> None:
    b = behaviour([], AS_OF, customer_since=date(2025, 6, 1))
    assert b.tenure_days == 29
    assert b.average_days_late is None and b.share_paid_late is None and b.invoices == 0
