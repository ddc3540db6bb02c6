"""Importing e-invoices into the ledger, through the real database and storage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from relance.customers.models import Customer
from relance.einvoice.importing import import_bytes, import_path
from relance.einvoice.models import EINVOICE_SOURCE, InvoiceDocument
from relance.einvoice.tests.conftest import fixture_bytes
from relance.ledger.models import CreditNote, Invoice, Payment
from relance.testing import Ledger, shared_data

CII = fixture_bytes("minimal_cii.xml")


def stored(doc: InvoiceDocument) -> Path:
    return Path(settings.MEDIA_ROOT) / str(doc.file.name)


def test_cii_creates_invoice_customer_prepayment_and_document(ledger: Ledger) -> None:
    result = import_bytes(CII, "minimal_cii.xml")
    assert result.status == "created", result.error
    assert result.customer_created and result.missing == 0
    invoice = Invoice.objects.get(pk=int(result.record or 0))
    assert invoice.creditor == ledger.creditor and invoice.number == "FA-2026-0042"
    assert (invoice.total_incl_tax_minor, invoice.total_excl_tax_minor) == (144000, 120000)
    assert str(invoice.due_date) == "2026-11-14" and str(invoice.delivery_date) == "2026-10-10"
    assert invoice.po_number == "BC-778" and invoice.source == EINVOICE_SOURCE
    # the 400.00 prepaid is a payment allocated to the invoice: 1040.00 stays open
    invoice.refresh_from_db()
    assert invoice.open_minor == 104000
    prepaid = Payment.objects.get(creditor=ledger.creditor)
    assert prepaid.amount_minor == 40000 and prepaid.source == EINVOICE_SOURCE
    customer = Customer.objects.get(pk=invoice.customer_id)
    assert (customer.legal_name, customer.siren, customer.siret) == (
        "Boulangerie Martin SAS",
        "552100554",
        "55210055400013",
    )
    assert customer.city == "Grenoble" and customer.vat_number == "FR96552100554"
    doc = InvoiceDocument.objects.get(invoice=invoice)
    assert doc.profile == "EN16931" and doc.findings == []
    assert stored(doc).read_bytes() == CII
    assert invoice.pdf.name == ""  # an XML file is kept as the document only


def test_same_number_twice_is_unchanged(ledger: Ledger) -> None:
    assert import_bytes(CII, "a.xml").status == "created"
    again = import_bytes(CII, "a.xml")
    assert again.status == "unchanged" and again.warnings == []
    changed = import_bytes(CII.replace(b">1440.00<", b">1450.00<"), "b.xml")
    assert changed.status == "unchanged"
    assert "left unchanged" in changed.warnings[0]
    assert Invoice.objects.count() == 1 and Invoice.objects.get().total_incl_tax_minor == 144000
    assert InvoiceDocument.objects.count() == 1


def test_existing_customer_is_found_by_siren(ledger: Ledger) -> None:
    known = ledger.customer("Martin (boulangerie)", siren="552100554")
    result = import_bytes(CII, "a.xml")
    assert result.customer == known.pk and not result.customer_created
    assert Customer.objects.count() == 1


def test_existing_customer_is_found_by_name(ledger: Ledger) -> None:
    known = ledger.customer("IMPRIMERIE Lefèvre")
    result = import_bytes(fixture_bytes("minimal_ubl.xml"), "u.xml")
    assert result.status == "created" and result.customer == known.pk
    # the buyer has no SIREN: reported, the invoice is still taken
    assert "BUYER_SIREN" in {f.code for f in result.findings}
    assert InvoiceDocument.objects.get().findings[0]["code"] in {"INDEMNITY", "BUYER_SIREN"}


def test_dry_run_writes_nothing(ledger: Ledger) -> None:
    result = import_bytes(CII, "a.xml", dry_run=True)
    assert result.status == "would_create" and result.customer_created
    assert not Invoice.objects.exists() and not Customer.objects.exists()
    assert not InvoiceDocument.objects.exists()


def test_no_creditor_for_the_seller_is_refused(db: None) -> None:
    Ledger.create(siren="552100554")
    result = import_bytes(CII, "a.xml")
    assert result.status == "refused"
    assert "no creditor has the seller's SIREN 732829320" in result.error
    assert not Invoice.objects.exists()


def test_wrong_given_creditor_is_refused(ledger: Ledger) -> None:
    other = Ledger.create("Autre SAS", siren="443061841")
    result = import_bytes(CII, "a.xml", creditor=other.creditor)
    assert result.status == "refused" and "is not the creditor Autre SAS" in result.error


def test_refused_file_leaves_nothing_behind(ledger: Ledger, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    bad = CII.replace(b"20261114", b"20261001")  # due before issue: refused by the ledger rule
    result = import_bytes(bad, "late.xml")
    assert result.status == "refused" and "before the issue date" in result.error
    assert not Invoice.objects.exists() and not Customer.objects.exists()
    assert not Payment.objects.exists() and not InvoiceDocument.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    # the same file with a good due date does store its document there
    assert import_bytes(CII, "good.xml").status == "created"
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (b">1440.00<", b">-1440.00<", "negative total"),
        (b">1040.00<", b">-40.00<", "amount due is negative"),
    ],
)
def test_negative_amounts_are_refused(ledger: Ledger, old: bytes, new: bytes, words: str) -> None:
    result = import_bytes(CII.replace(old, new), "n.xml")
    assert result.status == "refused" and words in result.error
    assert result.error_code == "bad_value"


def test_unreadable_file_is_refused_with_the_reader_code(ledger: Ledger) -> None:
    result = import_bytes(b"hello", "note.txt")
    assert (result.status, result.error_code) == ("refused", "not_einvoice")


def test_credit_note_is_allocated_to_the_invoice_it_corrects(ledger: Ledger) -> None:
    import_bytes(CII, "a.xml")
    result = import_bytes(fixture_bytes("ubl_credit_note.xml"), "cn.xml")
    assert result.status == "created", result.error
    note = CreditNote.objects.get(pk=int(result.record or 0))
    invoice = Invoice.objects.get(number="FA-2026-0042")
    assert note.invoice == invoice and note.total_incl_tax_minor == 12000
    invoice.refresh_from_db()
    assert invoice.open_minor == 104000 - 12000
    assert InvoiceDocument.objects.get(credit_note=note).syntax == "UBL"


def test_facturx_pdf_is_kept_as_the_invoice_pdf(ledger: Ledger, facturx_pdf: bytes) -> None:
    result = import_bytes(facturx_pdf, "FA-2026-0042.pdf")
    assert result.status == "created", result.error
    invoice = Invoice.objects.get(pk=int(result.record or 0))
    doc = InvoiceDocument.objects.get(invoice=invoice)
    assert doc.file_format == "pdf" and invoice.pdf.name == doc.file.name
    assert stored(doc).read_bytes()[:5] == b"%PDF-"


def test_directory_each_file_on_its_own(ledger: Ledger, tmp_path: Path) -> None:
    (tmp_path / "1.xml").write_bytes(CII)
    (tmp_path / "2.xml").write_bytes(fixture_bytes("minimal_ubl.xml"))
    (tmp_path / "3.xml").write_bytes(b"<broken")
    (tmp_path / "readme.txt").write_text("ignored")
    results = import_path(tmp_path)
    assert [(r.file, r.status) for r in results] == [
        ("1.xml", "created"),
        ("2.xml", "created"),
        ("3.xml", "refused"),
    ]
    assert Invoice.objects.count() == 2


def test_invoice_page_shows_the_document_and_its_findings(ledger: Ledger) -> None:
    from django.test import Client

    from relance.accounts.models import Role

    result = import_bytes(fixture_bytes("minimal_ubl.xml"), "u.xml")
    client = Client()
    client.force_login(ledger.user("admin", Role.ADMIN))  # type: ignore[arg-type]
    html = client.get(f"/invoices/{result.record}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Facture électronique" in html and "u.xml" in html
    assert "INDEMNITY (manquante)" in html
    assert "L&#x27;indemnité forfaitaire" in html or "L'indemnité forfaitaire" in html


def test_conflict_with_a_concurrent_import_is_refused_cleanly(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The number is taken between the check and the insert (as by a concurrent import)."""
    from relance.einvoice import importing

    monkeypatch.setattr(importing, "_existing", lambda owner, inv: None)
    assert import_bytes(CII, "a.xml").status == "created"
    second = import_bytes(CII, "a.xml")
    assert (second.status, second.error_code) == ("refused", "conflict")
    assert Invoice.objects.count() == 1 and InvoiceDocument.objects.count() == 1


def test_public_french_samples_import(db: None) -> None:
    folder = shared_data("einvoice/facturx")
    moulin = Ledger.create("Au bon moulin", siren="999999998").creditor
    fournisseur = Ledger.create("LE FOURNISSEUR", siren="123456782").creditor
    results = {r.file: r for r in import_path(folder)}
    assert all(r.ok for r in results.values()), {n: r.error for n, r in results.items()}
    created = sorted(n for n, r in results.items() if r.status == "created")
    # the same invoice in several profiles: the first file creates it, the others find it
    assert created == [
        "akretion_factur-x-basicwl.xml",
        "fnfe_Avoir_FR_type381_BASIC.pdf",
        "fnfe_Facture_DOM_BASICWL.pdf",
        "fnfe_Facture_FR_BASICWL.pdf",
        "fnfe_Facture_UE_BASICWL.pdf",
    ]
    assert Invoice.objects.filter(creditor=moulin).count() == 3
    assert CreditNote.objects.filter(creditor=moulin).count() == 1
    assert Invoice.objects.get(creditor=fournisseur).number == "F20260023"
    fr = Invoice.objects.get(number="FA-2017-0010")
    fr.refresh_from_db()
    assert fr.open_minor == 47015  # 671.15 less the 201.00 prepaid
    assert str(fr.pdf.name).endswith(".pdf")
