"""XML parsing with entity resolution off, no network, no DTD.

Bank files never need a DOCTYPE: one is refused outright (it is how external-entity
and entity-expansion attacks start), before lxml sees the file.
"""

from __future__ import annotations

import re

from lxml import etree

from relance.banking.readers.base import StatementError

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def refuse_dtd(data: bytes, file: str) -> None:
    """StatementError when the bytes declare a DOCTYPE or an entity."""
    found = _DOCTYPE.search(data)
    if found is None and b"\x00" in data[:200]:  # UTF-16: look for the wide form too
        try:
            found = _DOCTYPE.search(data.decode("utf-16").encode("utf-8"))
        except UnicodeDecodeError:
            found = None
    if found is not None:
        line = data[: found.start()].count(b"\n") + 1
        raise StatementError(
            file,
            f"line {line}",
            "DOCTYPE",
            "a DOCTYPE or entity declaration is refused (entities are never resolved in "
            "bank files)",
        )


def parse(data: bytes, file: str) -> etree._Element:
    """The root element of `data`, parsed safely; StatementError on bad XML."""
    refuse_dtd(data, file)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 0
        raise StatementError(file, f"line {line}", "", f"not well-formed XML: {exc.msg}") from None
    except ValueError as exc:  # e.g. a unicode string with an encoding declaration
        raise StatementError(file, "", "", f"not readable as XML: {exc}") from None
    if root is None:
        raise StatementError(file, "", "", "empty XML document")
    doc = root.getroottree().docinfo
    if doc.doctype or doc.internalDTD is not None:
        raise StatementError(file, "line 1", "DOCTYPE", "a DOCTYPE declaration is refused")
    return root
