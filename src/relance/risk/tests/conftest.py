"""The API fixtures (a team of every role with tokens) for the risk tests."""

from relance.api.tests.conftest import team

__all__ = ["team"]
