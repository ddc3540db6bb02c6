"""The web tests' small ledger (admin, two collectors, a reader)."""

from relance.web.tests.conftest import world  # noqa: F401 - re-exported fixture
