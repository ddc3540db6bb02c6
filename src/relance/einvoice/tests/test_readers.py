"""The readers on our own small files: every field read, every kind of bad input refused."""

from __future__ import annotations

from datetime import date

import pytest

from relance.domain.einvoice import Category, DocumentKind, Profile
from relance.domain.money import Money
from relance.einvoice.readers import EInvoiceError, read_bytes, read_xml
from relance.einvoice.tests.conftest import blank_pdf, fixture_bytes


def test_cii_fields() -> None:
    inv = read_xml(fixture_bytes("minimal_cii.xml"), "minimal_cii.xml")
    assert (inv.syntax, inv.profile, inv.number, inv.type_code) == (
        "CII",
        Profile.EN16931,
        "FA-2026-0042",
        "380",
    )
    assert inv.kind is DocumentKind.INVOICE
    assert inv.issue_date == date(2026, 10, 15)
    assert inv.due_date == date(2026, 11, 14)
    assert inv.delivery_date == date(2026, 10, 10)
    assert inv.payment_terms == "30 jours date de facture"
    assert inv.total_excl_tax == Money.of("1200.00", "EUR")
    assert inv.tax_total == Money.of("240.00", "EUR")
    assert inv.total_incl_tax == Money.of("1440.00", "EUR")
    assert inv.prepaid == Money.of("400.00", "EUR")
    assert inv.amount_due == Money.of("1040.00", "EUR")
    assert (inv.seller.name, inv.seller.siren, inv.seller.vat_number) == (
        "Atelier Durand SARL",
        "732829320",
        "FR44732829320",
    )
    assert inv.seller.address.city == "Lyon" and inv.seller.country == "FR"
    # the buyer is identified by SIRET (scheme 0009): its SIREN is the first nine digits
    assert (inv.buyer.siret, inv.buyer.siren) == ("55210055400013", "552100554")
    assert inv.delivery_address.postal_code == "38100"
    assert inv.purchase_order == "BC-778"
    assert inv.lines_count == 2
    assert [n.subject for n in inv.notes] == ["PMD", "PMT", "AAB", ""]
    assert inv.iban == "FR7630006000011234567890189"
    assert inv.payment_means_code == "58"
    assert inv.category is Category.MIXED


def test_ubl_fields() -> None:
    inv = read_xml(fixture_bytes("minimal_ubl.xml"), "minimal_ubl.xml")
    assert (inv.syntax, inv.profile, inv.number) == ("UBL", Profile.EN16931, "FA-2026-0043")
    assert inv.due_date == date(2026, 11, 19)
    assert inv.period_end == date(2026, 10, 15)
    assert inv.total_incl_tax == Money.of("600.00", "EUR")
    assert inv.amount_due == Money.of("600.00", "EUR")
    assert inv.seller.siren == "732829320"
    assert inv.buyer.name == "Imprimerie Lefèvre" and inv.buyer.siren == ""
    assert inv.notes[0].subject == "PMD" and inv.notes[0].text.startswith("Tout retard")
    assert inv.category is Category.SERVICES
    assert inv.purchase_order == "PO-5511"
    assert inv.lines_count == 1


def test_ubl_credit_note() -> None:
    inv = read_xml(fixture_bytes("ubl_credit_note.xml"))
    assert inv.kind is DocumentKind.CREDIT_NOTE and inv.type_code == "381"
    assert inv.preceding_invoice == "FA-2026-0042"
    assert inv.lines_count == 1


def test_facturx_pdf_gives_the_embedded_cii(facturx_pdf: bytes) -> None:
    from_pdf, kind = read_bytes(facturx_pdf, "f.pdf")
    assert kind == "pdf"
    assert from_pdf == read_xml(fixture_bytes("minimal_cii.xml"), "x")


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">
<rsm:ExchangedDocument><ID>&x;</ID></rsm:ExchangedDocument></rsm:CrossIndustryInvoice>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol3;</Invoice>"""

PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://example.invalid/evil.dtd">
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"""

#: The DOCTYPE hidden after 4 KB of whitespace-free prologue still is refused (by the parse).
LATE = b'<?xml version="1.0"?>' + b"<!--" + b"x" * 5000 + b"-->" + XXE.split(b"?>", 1)[1]


@pytest.mark.parametrize(
    "data", [XXE, LAUGHS, PARAMETER, LATE], ids=["xxe", "laughs", "dtd", "late"]
)
def test_dtd_and_entities_are_refused(data: bytes) -> None:
    with pytest.raises(EInvoiceError) as err:
        read_bytes(data, "evil.xml")
    assert err.value.code == "forbidden_xml"
    assert "evil.xml" in str(err.value) and "DTD" in str(err.value)


def test_xxe_inside_a_facturx_pdf_is_refused() -> None:
    with pytest.raises(EInvoiceError) as err:
        read_bytes(make_facturx_raw(XXE), "evil.pdf")
    assert err.value.code == "forbidden_xml"


def make_facturx_raw(xml: bytes) -> bytes:
    """A PDF with `xml` attached as factur-x.xml, without the library's checks."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank_pdf())))
    writer.add_attachment("factur-x.xml", xml)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


CII_HEAD = fixture_bytes("minimal_cii.xml")


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"plain text, not an invoice", "not_einvoice", "neither a PDF nor an XML"),
        (b"<Invoice><unclosed></Invoice>", "not_xml", "not well-formed"),
        (b"<html><body/></html>", "unknown_syntax", "neither a CII"),
        (b"%PDF-1.7\n garbage", "bad_pdf", "unreadable PDF"),
        (blank_pdf(), "no_embedded_xml", "no Factur-X"),
        (CII_HEAD.replace(b"<ram:ID>FA-2026-0042</ram:ID>", b""), "missing_field", "number"),
        (CII_HEAD.replace(b"20261015", b"20261315"), "bad_value", "not a valid date"),
        (CII_HEAD.replace(b"20261015", b"15/10/2026"), "bad_value", "not a date"),
        (CII_HEAD.replace(b">1440.00<", b">14x0<"), "bad_value", "not an amount"),
        (CII_HEAD.replace(b">1440.00<", b">1440.005<"), "bad_value", "more decimals"),
        (CII_HEAD.replace(b">1440.00<", b">Infinity<"), "bad_value", "usable amount"),
        (
            CII_HEAD.replace(b"<ram:InvoiceCurrencyCode>EUR", b"<ram:InvoiceCurrencyCode>"),
            "missing_field",
            "currency",
        ),
        (
            CII_HEAD.replace(b"<ram:InvoiceCurrencyCode>EUR", b"<ram:InvoiceCurrencyCode>XYZ"),
            "bad_value",
            "XYZ",
        ),
        (CII_HEAD.replace(b"GrandTotalAmount", b"OtherAmount"), "missing_field", "total"),
    ],
)
def test_bad_input_is_refused_with_its_reason(data: bytes, code: str, words: str) -> None:
    with pytest.raises(EInvoiceError) as err:
        read_bytes(data, "file.xml")
    assert err.value.code == code
    assert words in str(err.value)
    assert str(err.value).startswith("file.xml")
