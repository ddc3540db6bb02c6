"""The one error type the readers raise."""

from __future__ import annotations

from relance.core.errors import BadInput


class EInvoiceError(BadInput):
    """A file refused, with a stable `code` and a message naming the file, the field and why.

    Codes: not_einvoice (neither PDF nor XML), not_xml (malformed XML), forbidden_xml
    (DTD, entities: refused before anything is resolved), no_embedded_xml (a PDF without
    a Factur-X / ZUGFeRD attachment), bad_pdf, unknown_syntax (XML that is neither CII
    nor UBL), missing_field, bad_value.
    """

    def __init__(self, code: str, message: str, *, source: str = "", field: str = "") -> None:
        self.code = code
        self.source = source
        self.field = field
        where = ", ".join(p for p in (source, f"field {field}" if field else "") if p)
        super().__init__(f"{where}: {message}" if where else message)
