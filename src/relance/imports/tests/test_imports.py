"""Imports of customers, contacts, invoices and payments, against the real database."""

from __future__ import annotations

import io
import random
from datetime import date, datetime
from pathlib import Path

import pytest
from django.test import override_settings
from openpyxl import Workbook

from relance.core.errors import BadInput
from relance.customers.models import Contact, Customer
from relance.domain.identifiers import french_vat, generate_siren, generate_siret
from relance.imports import service
from relance.imports.models import ImportBatch
from relance.imports.service import ImportResult, run_import
from relance.ledger.models import Allocation, Invoice, Payment
from relance.testing import Ledger

EXAMPLES = Path(service.__file__).parent / "examples"
SIREN = "732829320"


def imp(
    ledger: Ledger, kind: str, data: str | bytes, name: str = "file.csv", **kwargs: object
) -> ImportResult:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return run_import(ledger.creditor, kind, io.BytesIO(raw), file_name=name, **kwargs)  # type: ignore[arg-type]


def codes(result: ImportResult) -> list[tuple[int, str, str]]:
    return [(e.line, e.field, e.code) for e in result.errors]


CUSTOMERS = (
    "code_client;raison_sociale;siren;code_postal;ville;encours_max;delai_paiement\n"
    f"C1;Boulangerie Martin;{SIREN};69003;Lyon;15 000,50;30\n"
    "C2;Garage Moreau;;67000;Strasbourg;;\n"
)


def customers(ledger: Ledger) -> None:
    result = imp(ledger, "customers", CUSTOMERS)
    assert result.ok, result.errors


# --------------------------------------------------------------------------- customers


def test_customers_are_created_with_french_headers_and_decimal_comma(ledger: Ledger) -> None:
    result = imp(ledger, "customers", CUSTOMERS)
    assert result.ok, result.errors
    assert (result.rows, result.created, result.updated, result.unchanged) == (2, 2, 0, 0)
    assert result.applied and result.batch.status == "applied"
    martin = Customer.objects.get(creditor=ledger.creditor, external_ref="C1")
    assert martin.legal_name == "Boulangerie Martin"
    assert martin.siren == SIREN
    assert martin.credit_limit_minor == 1_500_050
    assert martin.payment_terms_days == 30
    assert martin.country == "FR" and martin.kind == "b2b"
    moreau = Customer.objects.get(creditor=ledger.creditor, external_ref="C2")
    assert moreau.credit_limit_minor is None and moreau.payment_terms_days is None


def test_reimport_same_file_changes_nothing_and_changed_fields_update(ledger: Ledger) -> None:
    customers(ledger)
    again = imp(ledger, "customers", CUSTOMERS)
    assert again.ok
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = imp(ledger, "customers", CUSTOMERS.replace("Garage Moreau", "Garage Moreau & Fils"))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert Customer.objects.get(external_ref="C2").legal_name == "Garage Moreau & Fils"
    assert Customer.objects.filter(creditor=ledger.creditor).count() == 2


def test_windows_1252_file_with_accents(ledger: Ledger) -> None:
    data = "ref;nom;ville\nC9;Hôtel du Château;Orléans\n".encode("cp1252")
    result = imp(ledger, "customers", data)
    assert result.ok, result.errors
    customer = Customer.objects.get(external_ref="C9")
    assert customer.legal_name == "Hôtel du Château"
    assert customer.city == "Orléans"


def test_utf8_bom_and_comma_separator(ledger: Ledger) -> None:
    data = '\ufeffexternal_ref,legal_name,city\nC7,"Dupont, Durand et Cie",Créteil\n'
    result = imp(ledger, "customers", data)
    assert result.ok, result.errors
    assert Customer.objects.get(external_ref="C7").legal_name == "Dupont, Durand et Cie"


def test_tab_separator(ledger: Ledger) -> None:
    result = imp(ledger, "customers", "external_ref\tlegal_name\nC8\tTabulations SA\n")
    assert result.ok, result.errors
    assert Customer.objects.get(external_ref="C8").legal_name == "Tabulations SA"


def test_invalid_siren_is_reported_in_english_and_french(ledger: Ledger) -> None:
    data = "ref;nom;siren\nC1;Bon;732829320\nC2;Mauvais;123456789\n"
    result = imp(ledger, "customers", data)
    assert codes(result) == [(3, "siren", "invalid_siren")]
    assert (
        "123456789" in result.errors[0].message and "not a valid SIREN" in result.errors[0].message
    )
    french = imp(ledger, "customers", data, lang="fr")
    assert "n'est pas un SIREN valide" in french.errors[0].message
    assert not Customer.objects.exists()
    assert french.batch.status == "rejected"
    assert french.batch.errors[0]["fr"].startswith("« 123456789 »")


def test_siret_and_vat_must_match_the_siren(ledger: Ledger) -> None:
    rng = random.Random(7)
    other = generate_siren(rng)
    data = (
        "ref;nom;siren;siret;tva\n"
        f"C1;Un;{SIREN};{generate_siret(SIREN, rng)};{french_vat(SIREN)}\n"
        f"C2;Deux;{SIREN};{generate_siret(other, rng)};\n"
        f"C3;Trois;{SIREN};;{french_vat(other)}\n"
        f"C4;Quatre;;{generate_siret(other, rng)};\n"
    )
    result = imp(ledger, "customers", data)
    assert codes(result) == [
        (3, "siret", "siret_siren_mismatch"),
        (4, "vat_number", "vat_siren_mismatch"),
    ]
    ok = imp(ledger, "customers", "\n".join(data.splitlines()[i] for i in (0, 1, 4)))
    assert ok.ok, ok.errors
    assert Customer.objects.get(external_ref="C4").siren == other


def test_missing_required_column(ledger: Ledger) -> None:
    result = imp(ledger, "customers", "ref;ville\nC1;Lyon\n")
    assert codes(result) == [(1, "legal_name", "missing_column")]
    assert "raison_sociale" in result.errors[0].message
    assert result.batch.status == "rejected"


def test_unknown_kind_is_bad_input(ledger: Ledger) -> None:
    with pytest.raises(BadInput, match="unknown import kind 'suppliers'"):
        imp(ledger, "suppliers", CUSTOMERS)
    assert not ImportBatch.objects.exists()


# --------------------------------------------------------------------------- files


def test_utf16_file_is_refused(ledger: Ledger) -> None:
    result = imp(ledger, "customers", CUSTOMERS.encode("utf-16"))
    assert codes(result) == [(0, "", "bad_encoding")]
    assert "UTF-8" in result.errors[0].message
    assert not Customer.objects.exists()


def test_binary_file_is_refused(ledger: Ledger) -> None:
    result = imp(ledger, "customers", bytes(range(256)) * 4)
    assert codes(result) == [(0, "", "bad_encoding")]


def test_not_a_workbook_is_refused(ledger: Ledger) -> None:
    result = imp(ledger, "customers", b"PK\x03\x04 not really a zip", name="x.xlsx")
    assert codes(result) == [(0, "", "bad_xlsx")]


def test_empty_file_and_header_only(ledger: Ledger) -> None:
    assert codes(imp(ledger, "customers", b"")) == [(0, "", "empty_file")]
    assert codes(imp(ledger, "customers", "\n\n")) == [(0, "", "empty_file")]
    header_only = imp(ledger, "customers", "ref;nom\n")
    assert codes(header_only) == [(0, "", "no_rows")]
    assert header_only.batch.status == "rejected"


class _SizedStream(io.RawIOBase):
    """An upload that knows its size and must not be read when it is too big."""

    size = 10_000

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: object) -> int:
        raise AssertionError("the file was read although it is too big")


@override_settings(RELANCE_IMPORT_MAX_BYTES=1000)
def test_oversized_file_is_refused_before_reading(ledger: Ledger, tmp_path: Path) -> None:
    result = run_import(ledger.creditor, "customers", _SizedStream(), file_name="big.csv")  # type: ignore[arg-type]
    assert codes(result) == [(0, "", "file_too_large")]
    big = tmp_path / "big.csv"
    big.write_text(CUSTOMERS + "C3;Trop;;;;;\n" * 100, encoding="utf-8")
    assert codes(run_import(ledger.creditor, "customers", big, file_name="big.csv")) == [
        (0, "", "file_too_large")
    ]
    assert imp(ledger, "customers", CUSTOMERS).ok


def test_path_source_and_quoted_multiline_cells_keep_line_numbers(
    ledger: Ledger, tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    path.write_text('ref;nom;adresse\nC1;Un;"1 rue\nBâtiment B"\nC2;;x\n', encoding="utf-8")
    result = run_import(ledger.creditor, "customers", path, file_name="c.csv")
    assert codes(result) == [(4, "legal_name", "required")]


# --------------------------------------------------------------------------- invoices

INVOICES = (
    "numero;client;date;echeance;montant_ht;montant_ttc;devise\n"
    "F-1;C1;15/01/2025;14/02/2025;1 000,00;1 200,00;EUR\n"
    "F-2;C1;2025-01-20;;;2.400,50;\n"
    "F-3;C2;31/01/2025;;;99;\n"
)


def test_invoices_are_created_with_due_date_defaults(ledger: Ledger) -> None:
    customers(ledger)
    ledger.creditor.payment_terms_days = 45
    ledger.creditor.save()
    result = imp(ledger, "invoices", INVOICES)
    assert result.ok, result.errors
    assert result.created == 3
    f1 = Invoice.objects.get(number="F-1")
    assert (f1.total_incl_tax_minor, f1.total_excl_tax_minor) == (120000, 100000)
    assert f1.due_date == date(2025, 2, 14)
    assert f1.source == "import" and f1.import_batch_id == result.batch.pk
    f2 = Invoice.objects.get(number="F-2")
    assert f2.total_incl_tax_minor == 240050
    assert f2.due_date == date(2025, 2, 19)  # customer C1 terms: 30 days
    f3 = Invoice.objects.get(number="F-3")
    assert f3.due_date == date(2025, 3, 17)  # creditor terms: 45 days
    assert f3.open_minor == 9900


def test_invoice_reimport_is_idempotent_and_never_overwrites(ledger: Ledger) -> None:
    customers(ledger)
    assert imp(ledger, "invoices", INVOICES).created == 3
    again = imp(ledger, "invoices", INVOICES)
    assert again.ok and (again.created, again.unchanged) == (0, 3)
    changed = imp(ledger, "invoices", INVOICES.replace("2.400,50", "2.500,50"))
    assert codes(changed) == [(3, "total_incl_tax", "invoice_changed")]
    assert changed.errors[0].message == (
        "invoice F-2 already exists with a different amount: issued invoices are never modified; "
        "use a credit note"
    )
    assert Invoice.objects.get(number="F-2").total_incl_tax_minor == 240050
    other_customer = imp(ledger, "invoices", INVOICES.replace("F-3;C2", "F-3;C1"))
    assert codes(other_customer) == [(4, "customer_ref", "invoice_changed")]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("F-9;C1;15/01/2025;;;-10,00;", (2, "total_incl_tax", "negative_amount")),
        ("F-9;C404;15/01/2025;;;10,00;", (2, "customer_ref", "unknown_customer")),
        ("F-9;C1;31/02/2025;;;10,00;", (2, "issue_date", "bad_date")),
        ("F-9;C1;15/01/25;;;10,00;", (2, "issue_date", "bad_date")),
        ("F-9;C1;15/01/2025;01/01/2025;;10,00;", (2, "due_date", "due_before_issue")),
        ("F-9;C1;15/01/2025;;;10,001;", (2, "total_incl_tax", "bad_amount")),
        ("F-9;C1;15/01/2025;;;dix euros;", (2, "total_incl_tax", "bad_amount")),
        ("F-9;C1;15/01/2025;;;10;EURO", (2, "currency", "bad_currency")),
        ("F-9;C1;15/01/2025;;20;10;", (2, "total_excl_tax", "excl_above_incl")),
        (";C1;15/01/2025;;;10;", (2, "number", "required")),
    ],
)
def test_bad_invoice_rows(ledger: Ledger, row: str, expected: tuple[int, str, str]) -> None:
    customers(ledger)
    result = imp(
        ledger, "invoices", "numero;client;date;echeance;montant_ht;montant_ttc;devise\n" + row
    )
    assert codes(result) == [expected]
    assert result.errors[0].message
    assert not Invoice.objects.exists()


def test_due_date_before_issue_message_in_french(ledger: Ledger) -> None:
    customers(ledger)
    data = "numero;client;date;echeance;montant_ttc\nF-9;C1;15/01/2025;01/01/2025;10\n"
    result = imp(ledger, "invoices", data, lang="fr")
    assert result.errors[0].message == (
        "l'échéance du 01/01/2025 précède la date d'émission du 15/01/2025"
    )


def test_duplicate_invoice_number_within_the_file(ledger: Ledger) -> None:
    customers(ledger)
    data = (
        "numero;client;date;montant_ttc\n"
        "F-1;C1;15/01/2025;10\nF-2;C1;15/01/2025;10\nF-1;C2;16/01/2025;11\n"
    )
    result = imp(ledger, "invoices", data)
    assert codes(result) == [(4, "number", "duplicate_in_file")]
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("dry_run", [False, True])
def test_duplicate_invoice_number_in_a_later_chunk(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, dry_run: bool
) -> None:
    """Earlier chunks are checked in the database, also in a dry run and after an error."""
    customers(ledger)
    monkeypatch.setattr(service, "CHUNK_ROWS", 2)
    data = (
        "numero;client;date;montant_ttc\n"
        "F-1;C1;15/01/2025;10\n"  # line 2, chunk 1
        "F-2;INCONNU;15/01/2025;10\n"  # line 3, chunk 1: an error, nothing will be applied
        "F-3;C1;15/01/2025;10\n"  # line 4, chunk 2
        "F-1;C2;16/01/2025;11\n"  # line 5, chunk 2: F-1 again
        "F-5;C1;15/01/2025;10\n"  # line 6, chunk 3
        "F-3;C1;15/01/2025;10\n"  # line 7, chunk 3: F-3 again, identical
    )
    result = imp(ledger, "invoices", data, dry_run=dry_run)
    assert codes(result) == [
        (3, "customer_ref", "unknown_customer"),
        (5, "number", "duplicate_in_file"),
        (7, "number", "duplicate_in_file"),
    ]
    assert not Invoice.objects.exists()


def test_reimport_across_chunks_is_unchanged_not_duplicate(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers(ledger)
    monkeypatch.setattr(service, "CHUNK_ROWS", 2)
    data = "numero;client;date;montant_ttc\n" + "".join(
        f"F-{n};C{1 + n % 2};15/01/2025;{n}\n" for n in range(1, 6)
    )
    assert imp(ledger, "invoices", data).created == 5
    again = imp(ledger, "invoices", data)
    assert again.ok and (again.created, again.unchanged) == (0, 5)
    assert Invoice.objects.count() == 5


def test_all_or_nothing_even_across_written_chunks(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers(ledger)
    monkeypatch.setattr(service, "CHUNK_ROWS", 2)
    rows = [f"F-{n};C1;15/01/2025;{n},00" for n in range(1, 8)]
    rows.append("F-99;C1;15/01/2025;-1")
    result = imp(ledger, "invoices", "numero;client;date;montant_ttc\n" + "\n".join(rows) + "\n")
    assert codes(result) == [(9, "total_incl_tax", "negative_amount")]
    assert not result.applied
    assert not Invoice.objects.exists()
    assert result.batch.status == "rejected" and result.batch.errors[0]["line"] == 9
    good = imp(ledger, "invoices", "numero;client;date;montant_ttc\n" + "\n".join(rows[:-1]))
    assert good.ok and good.created == 7
    assert Invoice.objects.count() == 7


def test_errors_are_collected_for_the_whole_file_and_capped(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers(ledger)
    monkeypatch.setattr(service, "MAX_ERRORS", 5)
    rows = [f"F-{n};C404;15/01/2025;10" for n in range(1, 13)]
    result = imp(ledger, "invoices", "numero;client;date;montant_ttc\n" + "\n".join(rows))
    assert len(result.errors) == 6
    assert [e.line for e in result.errors[:5]] == [2, 3, 4, 5, 6]
    assert result.errors[-1].code == "too_many_errors"
    assert result.errors[-1].message == "7 more errors not listed"


def test_dry_run_writes_nothing_but_the_batch(ledger: Ledger) -> None:
    customers(ledger)
    progress: list[int] = []
    result = imp(
        ledger, "invoices", INVOICES, dry_run=True, preview_rows=2, progress=progress.append
    )
    assert result.ok and result.dry_run and not result.applied
    assert (result.rows, result.created) == (3, 3)
    assert not Invoice.objects.exists()
    assert result.batch.status == "dry_run" and result.batch.created == 3
    assert len(result.preview) == 2
    assert result.preview[1]["number"] == "F-2"
    assert result.preview[1]["total_incl_tax"] == "2400.50"
    assert result.preview[1]["due_date"] == "2025-02-19"
    assert result.preview[1]["action"] == "created"
    assert progress[-1] == 3
    payload = result.as_dict()
    assert payload["status"] == "dry_run" and payload["created"] == 3 and payload["ok"] is True


def test_dry_run_reports_errors_too(ledger: Ledger) -> None:
    customers(ledger)
    result = imp(ledger, "invoices", INVOICES.replace("C2", "C404"), dry_run=True)
    assert codes(result) == [(4, "customer_ref", "unknown_customer")]
    assert result.batch.status == "dry_run"


def test_xlsx_with_dates_and_numbers(ledger: Ledger) -> None:
    customers(ledger)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["N° facture", "Client", "Date facture", "Échéance", "Montant TTC", "Montant HT"])
    sheet.append(["F-10", "C1", datetime(2025, 3, 1), date(2025, 3, 31), 1234.56, 1028.8])
    sheet.append(["F-11", "C2", "02/03/2025", None, 500, None])
    sheet.append([None, None, None, None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    result = imp(ledger, "invoices", buffer.getvalue(), name="factures.xlsx")
    assert result.ok, result.errors
    assert result.rows == 2
    f10 = Invoice.objects.get(number="F-10")
    assert f10.issue_date == date(2025, 3, 1) and f10.due_date == date(2025, 3, 31)
    assert (f10.total_incl_tax_minor, f10.total_excl_tax_minor) == (123456, 102880)
    assert Invoice.objects.get(number="F-11").total_incl_tax_minor == 50000


def test_xlsx_errors_carry_the_sheet_row(ledger: Ledger) -> None:
    customers(ledger)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["number", "customer_ref", "issue_date", "total_incl_tax"])
    sheet.append(["F-1", "C1", date(2025, 1, 1), 10])
    sheet.append(["F-2", "C1", "hier", 10])
    buffer = io.BytesIO()
    book.save(buffer)
    result = imp(ledger, "invoices", buffer.getvalue(), name="f.xlsx")
    assert codes(result) == [(3, "issue_date", "bad_date")]


# --------------------------------------------------------------------------- payments


def test_payments_are_allocated_and_reimport_is_idempotent(ledger: Ledger) -> None:
    customers(ledger)
    assert imp(ledger, "invoices", INVOICES).ok
    data = (
        "ref_banque;client;date;montant;mode;factures\n"
        "VIR-1;C1;20/02/2025;1 500,00;virement;F-1 F-2\n"
        "VIR-2;;21/02/2025;99,00;prelevement;F-3\n"
        "VIR-3;C2;22/02/2025;10,00;;\n"
    )
    result = imp(ledger, "payments", data)
    assert result.ok, result.errors
    assert result.created == 3
    assert Invoice.objects.get(number="F-1").open_minor == 0
    assert Invoice.objects.get(number="F-2").open_minor == 240050 - 30000
    vir2 = Payment.objects.get(external_ref="VIR-2")
    assert vir2.customer is not None and vir2.customer.external_ref == "C2"
    assert vir2.method == "direct_debit" and vir2.source == "import"
    assert Allocation.objects.count() == 3
    again = imp(ledger, "payments", data)
    assert again.ok and (again.created, again.unchanged) == (0, 3)
    assert Allocation.objects.count() == 3
    changed = imp(ledger, "payments", data.replace("99,00", "98,00"))
    assert codes(changed) == [(3, "external_ref", "payment_changed")]


def test_payment_errors(ledger: Ledger) -> None:
    customers(ledger)
    assert imp(ledger, "invoices", INVOICES).ok
    data = (
        "ref_banque;client;date;montant;factures\n"
        "VIR-1;C1;20/02/2025;100;F-404\n"
        "VIR-2;C2;20/02/2025;100;F-1\n"
        "VIR-3;C1;20/02/2025;0;\n"
        "VIR-3;C1;20/02/2025;5;\n"
        ";C1;20/02/2025;5;\n"
    )
    result = imp(ledger, "payments", data)
    assert codes(result) == [
        (2, "invoice_numbers", "unknown_invoice"),
        (3, "invoice_numbers", "invoice_other_customer"),
        (4, "amount", "zero_amount"),
        (5, "external_ref", "duplicate_in_file"),
        (6, "external_ref", "required"),
    ]
    assert not Payment.objects.exists()


def test_paid_invoice_cannot_take_a_second_payment(ledger: Ledger) -> None:
    customers(ledger)
    assert imp(ledger, "invoices", INVOICES).ok
    data = "ref;client;date;montant;factures\nP-1;C2;01/03/2025;99;F-3\nP-2;C2;02/03/2025;99;F-3\n"
    result = imp(ledger, "payments", data)
    assert codes(result) == [(3, "invoice_numbers", "invoice_paid")]
    assert not Payment.objects.exists()


# --------------------------------------------------------------------------- contacts

CONTACTS = (
    "client;ref_contact;prenom;nom;email;telephone;role;principal\n"
    "C1;K1;Claire;Martin;claire@example.fr;04 72 10 20 30;comptabilite;oui\n"
    "C1;K2;Julien;Roux;julien@example.fr;;achats;non\n"
)


def test_contacts_created_updated_and_primary_moves(ledger: Ledger) -> None:
    customers(ledger)
    result = imp(ledger, "contacts", CONTACTS)
    assert result.ok, result.errors
    claire = Contact.objects.get(external_ref="K1")
    assert claire.is_primary_billing and claire.role == "accounts_payable"
    assert claire.phone == "+33472102030"
    assert imp(ledger, "contacts", CONTACTS).unchanged == 2
    moved = imp(
        ledger, "contacts", CONTACTS.replace(";oui", ";non").replace("achats;non", "achats;oui")
    )
    assert moved.ok, moved.errors
    assert moved.updated == 2
    assert list(
        Contact.objects.filter(is_primary_billing=True).values_list("external_ref", flat=True)
    ) == ["K2"]


def test_contact_errors(ledger: Ledger) -> None:
    customers(ledger)
    data = (
        "client;ref;nom;email;principal\n"
        "C404;K1;Un;un@example.fr;\n"
        "C1;K2;Deux;pas-un-email;\n"
        "C1;K3;;;\n"
        "C1;K4;Quatre;;oui\n"
        "C1;K5;Cinq;;oui\n"
        "C1;K6;Six;;peut-être\n"
    )
    result = imp(ledger, "contacts", data)
    assert codes(result) == [
        (2, "customer_ref", "unknown_customer"),
        (3, "email", "invalid_email"),
        (4, "last_name", "no_name"),
        (6, "is_primary_billing", "two_primary_contacts"),
        (7, "is_primary_billing", "bad_boolean"),
    ]
    assert not Contact.objects.exists()


# --------------------------------------------------------------------------- examples


def test_example_files_import_in_order_and_again_unchanged(ledger: Ledger) -> None:
    for kind in ("customers", "contacts", "invoices", "payments"):
        path = EXAMPLES / f"{kind}.csv"
        result = run_import(ledger.creditor, kind, path, file_name=path.name)
        assert result.ok, (kind, result.errors)
        assert result.created == result.rows > 0
    for kind in ("customers", "contacts", "invoices", "payments"):
        path = EXAMPLES / f"{kind}.csv"
        again = run_import(ledger.creditor, kind, path, file_name=path.name)
        assert again.ok and again.created == 0 and again.unchanged == again.rows
    assert Invoice.objects.get(number="F-2025-0001").open_minor == 0


def test_duplicate_message_in_french(ledger: Ledger) -> None:
    customers(ledger)
    data = "numero;client;date;montant_ttc\nF-1;C1;15/01/2025;10\nF-1;C1;15/01/2025;10\n"
    result = imp(ledger, "invoices", data, lang="fr")
    assert [e.message for e in result.errors] == [
        "la facture F-1 figure plusieurs fois dans le fichier"
    ]


def test_empty_country_means_the_creditors_country(ledger: Ledger) -> None:
    ledger.creditor.country = "BE"
    ledger.creditor.save()
    result = imp(ledger, "customers", "code_client;raison_sociale;pays\nC1;Brasserie Namuroise;\n")
    assert result.ok, result.errors
    assert Customer.objects.get(external_ref="C1").country == "BE"
