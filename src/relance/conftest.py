"""Shared pytest fixtures for every app (see relance.testing for the ledger DSL)."""

from __future__ import annotations

import pytest

from relance.testing import Ledger


@pytest.fixture
def ledger(db: None) -> Ledger:
    """A creditor with nothing in its ledger yet."""
    return Ledger.create()
