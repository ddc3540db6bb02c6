"""Shared pytest fixtures for every app (see relance.testing for the ledger DSL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from relance.testing import Ledger


@pytest.fixture
def ledger(db: None) -> Ledger:
    """A creditor with nothing in its ledger yet."""
    return Ledger.create()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a page served in French (LocaleMiddleware
    activates the request's language for the thread) must not leak into the next test."""
    translation.deactivate()
    yield
    translation.deactivate()
