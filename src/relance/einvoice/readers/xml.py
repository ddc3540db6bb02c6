"""Safe XML parsing and namespace-blind navigation shared by the CII and UBL readers.

Invoices come from outside: the parser never resolves entities, never loads a DTD, never
touches the network, and a document that declares a DTD at all (the carrier of XXE and
"billion laughs") is refused before any of its content is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from relance.core.safexml import UnsafeXml
from relance.core.safexml import parse as parse_safely
from relance.domain.money import Money, MoneyError
from relance.einvoice.readers.errors import EInvoiceError

#: Larger than any real invoice (the biggest public samples are ~200 KB), small enough to
#: refuse a decompression bomb before lxml builds it.
MAX_XML_BYTES = 20 * 1024 * 1024


def parse(data: bytes, source: str) -> etree._Element:
    """The root element of `data`, or EInvoiceError (malformed, too large, DTD, entities)."""
    try:
        return parse_safely(data, max_bytes=MAX_XML_BYTES)
    except UnsafeXml as exc:
        if exc.code == "forbidden":
            raise _forbidden(source) from None
        raise EInvoiceError("not_xml", str(exc), source=source) from None


def _forbidden(source: str) -> EInvoiceError:
    return EInvoiceError(
        "forbidden_xml",
        "the XML declares a DTD or entities, which e-invoices never need: refused "
        "(protection against external entities and entity expansion)",
        source=source,
    )


def local(el: etree._Element) -> str:
    tag = el.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def namespace(el: etree._Element) -> str:
    tag = el.tag
    return etree.QName(tag).namespace or "" if isinstance(tag, str) else ""


def children(el: etree._Element | None, name: str) -> Iterator[etree._Element]:
    if el is None:
        return
    for child in el:
        if isinstance(child.tag, str) and local(child) == name:
            yield child


def all_of(el: etree._Element | None, path: str) -> list[etree._Element]:
    """Every element at `path` ("A/B/C", local names) below `el`."""
    found = [el] if el is not None else []
    for step in path.split("/"):
        found = [c for parent in found for c in children(parent, step)]
    return found


def first(el: etree._Element | None, path: str) -> etree._Element | None:
    found = all_of(el, path)
    return found[0] if found else None


def text(el: etree._Element | None, path: str = "") -> str:
    node = first(el, path) if path else el
    if node is None or node.text is None:
        return ""
    return " ".join(node.text.split())


def texts(el: etree._Element | None, path: str) -> list[str]:
    return [" ".join(n.text.split()) for n in all_of(el, path) if n.text and n.text.strip()]


def parse_date(value: str, source: str, field: str, fmt: str = "") -> date | None:
    """ "20250131" (CII format 102) or "2025-01-31" (UBL, or CII written loosely)."""
    value = value.strip()
    if not value:
        return None
    digits = value.replace("-", "")
    if fmt not in ("", "102") or len(digits) != 8 or not digits.isdigit():
        raise EInvoiceError(
            "bad_value",
            f"'{value}' is not a date (YYYYMMDD or YYYY-MM-DD)",
            source=source,
            field=field,
        )
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise EInvoiceError(
            "bad_value", f"'{value}' is not a valid date", source=source, field=field
        ) from None


def parse_money(value: str, currency: str, source: str, field: str) -> Money | None:
    """An amount of the invoice currency; trailing zeros beyond the currency's decimals are
    dropped, any other extra decimal is refused (nothing is rounded silently)."""
    value = value.strip()
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise EInvoiceError(
            "bad_value", f"'{value}' is not an amount", source=source, field=field
        ) from None
    if not amount.is_finite() or abs(amount) >= Decimal(10) ** 15:
        raise EInvoiceError(
            "bad_value", f"'{value}' is not a usable amount", source=source, field=field
        )
    try:
        rounded = Money.round(amount, currency)
    except MoneyError as exc:
        raise EInvoiceError("bad_value", str(exc), source=source, field=field) from None
    if rounded.amount != amount:
        raise EInvoiceError(
            "bad_value",
            f"'{value}' has more decimals than {currency} allows",
            source=source,
            field=field,
        )
    return rounded
