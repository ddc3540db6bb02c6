"""Statement formats by kind, and recognising a file's format from its first bytes."""

from __future__ import annotations

from relance.banking.readers.base import Reader, StatementError
from relance.banking.readers.camt import CamtReader
from relance.banking.readers.cfonb import CfonbReader
from relance.banking.readers.csvfile import CsvMapping, CsvReader
from relance.banking.readers.ofx import OfxReader

#: kinds that need nothing but the file (CSV needs a mapping)
READERS: dict[str, Reader] = {
    "camt": CamtReader(),
    "ofx": OfxReader(),
    "cfonb": CfonbReader(),
}
KINDS = (*READERS, "csv")


def get_reader(kind: str, mapping: CsvMapping | None = None) -> Reader:
    """The reader of `kind`; StatementError for an unknown kind or a CSV without mapping."""
    if kind == "csv":
        if mapping is None:
            raise StatementError("", "", "mapping", "a CSV statement needs a column mapping")
        return CsvReader(mapping)
    try:
        return READERS[kind]
    except KeyError:
        raise StatementError(
            "", "", "kind", f"unknown statement format '{kind}' (known: {', '.join(KINDS)})"
        ) from None


def detect(data: bytes) -> str | None:
    """The kind of a camt, OFX or CFONB file, or None."""
    for kind, reader in READERS.items():
        if reader.identify(data):
            return kind
    return None
