"""The project's error types at its boundaries."""

from __future__ import annotations


class BadInput(ValueError):
    """Input refused with a message a person can act on (which file, line, field, why).

    The CLI prints it and exits with code 2; the API answers 400/422 with it.
    """
