"""Fixtures of the e-invoice tests: our own small files, and a Factur-X PDF made from one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_facturx(xml: bytes) -> bytes:
    """A Factur-X PDF (factur-x.xml attached by the factur-x library) around `xml`."""
    from facturx import generate_from_binary

    return bytes(generate_from_binary(blank_pdf(), xml, check_xsd=False))


@pytest.fixture(scope="session")
def facturx_pdf() -> bytes:
    return make_facturx(fixture_bytes("minimal_cii.xml"))
