"""Base model pieces shared by every app.

Amounts are stored as integers in the minor unit of their currency (cents for EUR):
exact in SQLite and PostgreSQL alike, and cheap to add up in SQL over a million rows.
Python code never sees these integers for long: `money()` turns them into `Money`.
"""

from __future__ import annotations

from django.db import models

from relance.domain.money import Money


class Timestamped(models.Model):
    """Creation and last-change timestamps (timezone-aware UTC)."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def money(minor: int | None, currency: str) -> Money:
    """Money from a stored minor-unit integer (None counts as zero)."""
    return Money.from_minor(minor or 0, currency)


class Source(models.TextChoices):
    """Where a ledger record came from."""

    MANUAL = "manual", "manual"
    IMPORT = "import", "import"
    API = "api", "API"
    DEMO = "demo", "demo"
