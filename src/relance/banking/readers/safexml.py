"""XML of bank files, parsed by the project's safe parser (`relance.core.safexml`).

Bank files never need a DOCTYPE: one is refused outright (it is how external-entity and
entity-expansion attacks start), with the line where it stands.
"""

from __future__ import annotations

from lxml import etree

from relance.banking.readers.base import StatementError
from relance.core.safexml import UnsafeXml, declaration_line
from relance.core.safexml import parse as parse_safely

_REFUSED = "a DOCTYPE or entity declaration is refused (entities are never resolved in bank files)"


def refuse_dtd(data: bytes, file: str) -> None:
    """StatementError when the bytes declare a DOCTYPE or an entity (for readers such as
    OFX that parse XML-like text without lxml)."""
    line = declaration_line(data)
    if line:
        raise StatementError(file, f"line {line}", "DOCTYPE", _REFUSED)


def parse(data: bytes, file: str) -> etree._Element:
    """The root element of `data`, parsed safely; StatementError on bad XML."""
    try:
        return parse_safely(data)
    except UnsafeXml as exc:
        where = f"line {exc.line}" if exc.line else ""
        if exc.code == "forbidden":
            raise StatementError(file, where, "DOCTYPE", _REFUSED) from None
        raise StatementError(file, where, "", str(exc)) from None
