"""XML from outside, parsed safely: no entity resolution, no DTD, no network.

Shared by every reader of XML files written by others (bank statements, e-invoices).
Nothing they read ever needs a DOCTYPE, so one is refused outright — before lxml sees the
file (including in UTF-16), and again after parsing — as are entity declarations and
entity nodes: that is how external-entity (XXE) and entity-expansion ("billion laughs")
attacks start. Pure Python (lxml only); each reader turns `UnsafeXml` into its own error.
"""

from __future__ import annotations

import re

from lxml import etree

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class UnsafeXml(ValueError):
    """`code`: "forbidden" (a DTD or entities), "malformed" or "too_large"; `line` if known."""

    def __init__(self, code: str, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.line = line


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def declaration_line(data: bytes) -> int:
    """The line of a DOCTYPE or entity declaration in `data`, 0 when there is none."""
    found = _DECLARATION.search(data)
    if found is None and b"\x00" in data[:200]:  # UTF-16: look for the wide form too
        for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
            try:
                wide = data.decode(encoding).encode("utf-8")
            except UnicodeDecodeError:
                continue
            found = _DECLARATION.search(wide)
            if found is not None:
                return wide[: found.start()].count(b"\n") + 1
        return 0
    return data[: found.start()].count(b"\n") + 1 if found is not None else 0


def parse(data: bytes, max_bytes: int | None = None) -> etree._Element:
    """The root element of `data`; UnsafeXml when it is refused or cannot be read."""
    if max_bytes is not None and len(data) > max_bytes:
        raise UnsafeXml("too_large", f"XML larger than {max_bytes} bytes")
    line = declaration_line(data)
    if line:
        raise UnsafeXml("forbidden", "a DOCTYPE or entity declaration is refused", line)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        text = str(exc).lower()
        code = "forbidden" if "entity" in text or "doctype" in text else "malformed"
        raise UnsafeXml(code, f"not well-formed XML: {exc.msg}", exc.lineno or 0) from None
    except (ValueError, etree.LxmlError) as exc:  # e.g. text with an encoding declaration
        raise UnsafeXml("malformed", f"not readable as XML: {exc}") from None
    if root is None:
        raise UnsafeXml("malformed", "empty XML document")
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise UnsafeXml("forbidden", "a DOCTYPE declaration is refused", 1)
    for _node in root.iter(etree.Entity):
        raise UnsafeXml("forbidden", "an entity reference is refused")
    return root
