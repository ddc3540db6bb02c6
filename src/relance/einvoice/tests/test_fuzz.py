"""Hypothesis on the XML reader: whatever the bytes, only EInvoiceError escapes."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relance.einvoice.readers import EInvoiceError, read_bytes
from relance.einvoice.tests.conftest import fixture_bytes

CII = fixture_bytes("minimal_cii.xml")
UBL = fixture_bytes("minimal_ubl.xml")


def _read(data: bytes) -> None:
    with contextlib.suppress(EInvoiceError):
        read_bytes(data, "fuzz.xml")


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    _read(data)
    _read(b"<" + data)
    _read(b"%PDF-1.4\n" + data)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from([CII, UBL]),
    st.integers(min_value=0, max_value=len(CII)),
    st.integers(min_value=0, max_value=40),
    st.binary(max_size=30),
)
def test_mutated_invoices(source: bytes, at: int, cut: int, insert: bytes) -> None:
    """A valid invoice with a slice replaced: still read, or refused with our error."""
    at = min(at, len(source))
    _read(source[:at] + insert + source[at + cut :])


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from([b"20261015", b"1440.00", b"EUR", b"732829320", b"380"]), st.text(max_size=12)
)
def test_field_values(field: bytes, value: str) -> None:
    """Any text in place of a date, amount, currency, identifier or type code."""
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8", "surrogatepass")
    _read(CII.replace(field, escaped))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=200))
def test_damaged_facturx_pdf(at: int, cut: int) -> None:
    """A real Factur-X PDF with bytes cut out: read, or refused with our error."""
    pdf = _pdf()
    at = at % len(pdf)
    _read(pdf[:at] + pdf[at + cut :])


_PDF: list[bytes] = []


def _pdf() -> bytes:
    if not _PDF:
        from relance.einvoice.tests.conftest import make_facturx

        _PDF.append(make_facturx(CII))
    return _PDF[0]
