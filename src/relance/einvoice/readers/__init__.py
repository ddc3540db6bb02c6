"""Readers: a Factur-X / ZUGFeRD PDF, a CII or a UBL XML file → `EInvoice`.

Pure Python (no Django). `read_bytes` recognises the format from the content, not from
the file name; every failure is an `EInvoiceError` with a stable code.
"""

from __future__ import annotations

from pathlib import Path

from relance.domain.einvoice import EInvoice
from relance.einvoice.readers import cii, ubl, xml
from relance.einvoice.readers.errors import EInvoiceError
from relance.einvoice.readers.pdf import embedded_xml

__all__ = ["EInvoiceError", "Format", "read_bytes", "read_file", "read_xml"]

#: A 100 MB PDF is no invoice; refuse before reading it into memory.
MAX_FILE_BYTES = 100 * 1024 * 1024


class Format:
    PDF = "pdf"
    XML = "xml"


def sniff(data: bytes) -> str | None:
    head = data[:1024].lstrip(b"\xef\xbb\xbf\x00 \t\r\n")
    if b"%PDF-" in data[:1024]:
        return Format.PDF
    if head.startswith(b"<") or head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        return Format.XML
    return None


def read_xml(data: bytes, source: str = "") -> EInvoice:
    root = xml.parse(data, source)
    name = xml.local(root)
    if name in cii.ROOTS:
        return cii.read(root, source)
    if xml.namespace(root) in ubl.NAMESPACES:
        return ubl.read(root, source)
    raise EInvoiceError(
        "unknown_syntax",
        f"XML root <{name}> ({xml.namespace(root) or 'no namespace'}) is neither a CII "
        "(CrossIndustryInvoice) nor a UBL Invoice / CreditNote",
        source=source,
    )


def read_bytes(data: bytes, source: str = "") -> tuple[EInvoice, str]:
    """(record, format) from the bytes of a PDF or an XML file."""
    kind = sniff(data)
    if kind == Format.PDF:
        name, xml_bytes = embedded_xml(data, source)
        return read_xml(xml_bytes, f"{source} ({name})" if source else name), Format.PDF
    if kind == Format.XML:
        return read_xml(data, source), Format.XML
    raise EInvoiceError("not_einvoice", "neither a PDF nor an XML file", source=source)


def read_file(path: Path) -> tuple[EInvoice, str]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise EInvoiceError("not_einvoice", f"file too large ({size} bytes)", source=path.name)
        data = path.read_bytes()
    except OSError as exc:
        raise EInvoiceError(
            "not_einvoice", f"cannot read: {exc.strerror}", source=str(path)
        ) from None
    return read_bytes(data, path.name)
