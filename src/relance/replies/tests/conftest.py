"""Fixtures shared with the web and API tests (a small ledger, users of every role)."""

from relance.api.tests.conftest import team  # noqa: F401 - re-exported fixture
from relance.web.tests.conftest import world  # noqa: F401 - re-exported fixture
