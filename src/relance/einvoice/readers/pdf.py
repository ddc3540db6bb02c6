"""The XML embedded in a Factur-X / ZUGFeRD PDF (PDF/A-3 attachment).

The attachment is taken with pypdf, the library factur-x itself uses for this, and then
parsed by our own safe parser: factur-x's `get_xml_from_pdf` parses every attachment with
lxml's default parser (internal entities expanded) before handing it back, which an
invoice received from outside must not go through.
"""

from __future__ import annotations

import io
import logging

from relance.einvoice.readers.errors import EInvoiceError

#: Attachment names the specifications use, in order of preference (case-insensitive).
NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")


def embedded_xml(data: bytes, source: str) -> tuple[str, bytes]:
    """(attachment name, XML bytes) of the e-invoice inside the PDF `data`."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    # pypdf logs every repaired defect of a PDF as a warning: not the reader's business.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        attachments = {name.lower(): (name, blobs) for name, blobs in reader.attachments.items()}
    except PyPdfError as exc:
        raise EInvoiceError("bad_pdf", f"unreadable PDF ({exc})", source=source) from None
    except Exception as exc:
        # pypdf fails on damaged files in many ways (IndexError, struct.error, zlib.error,
        # RecursionError…): all mean the same here, an unreadable PDF.
        raise EInvoiceError(
            "bad_pdf", f"unreadable PDF ({type(exc).__name__}: {exc})", source=source
        ) from None
    for wanted in NAMES:
        if wanted in attachments:
            name, blobs = attachments[wanted]
            if blobs and blobs[0]:
                return name, bytes(blobs[0])
    others = [n for n, _ in attachments.values() if n.lower().endswith(".xml")]
    if len(others) == 1:
        name = others[0]
        return name, bytes(attachments[name.lower()][1][0])
    listed = ", ".join(sorted(n for n, _ in attachments.values())) or "none"
    raise EInvoiceError(
        "no_embedded_xml",
        f"this PDF carries no Factur-X / ZUGFeRD XML (attachments: {listed})",
        source=source,
    )
