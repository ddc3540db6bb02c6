"""The API tests' users and tokens, for the banking endpoints."""

from relance.api.tests.conftest import team

__all__ = ["team"]
