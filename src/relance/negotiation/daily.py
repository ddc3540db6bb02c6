"""The negotiation's daily evaluation, called by the worker's daily tick.

    evaluate(creditor, day) -> {"promises_kept": n, …}

In order: promises (kept as soon as paid; partly kept or broken after their date and
grace; the courtesy reminder the day before), payment plans (instalments filled by the
payments, completion, breach, the reminders before instalments), settlements (write-off once
the agreed amount is paid, expiry). Idempotent: every change is a state transition that a
second run for the same day finds done, and every message has its own idempotency key.
Run it before the dunning run of the same day; the run is right either way (a pending
promise past its date counts as broken for the firmer step, see
relance.negotiation.escalation).
"""

from __future__ import annotations

from datetime import date

from relance.creditors.models import Creditor
from relance.negotiation.plans import evaluate_plans
from relance.negotiation.promises import evaluate_promises
from relance.negotiation.settlements import evaluate_settlements


def evaluate(creditor: Creditor, day: date) -> dict[str, int]:
    counts: dict[str, int] = {}
    counts.update(evaluate_promises(creditor, day))
    counts.update(evaluate_plans(creditor, day))
    counts.update(evaluate_settlements(creditor, day))
    return counts


def resolve_paid_disputes(creditor: Creditor, day: date) -> dict[str, int]:
    """The daily tick's job for disputes: those paid meanwhile are resolved ("paid")."""
    from relance.negotiation.disputes import resolve_paid

    return {"disputes_paid": resolve_paid(creditor, day)}
