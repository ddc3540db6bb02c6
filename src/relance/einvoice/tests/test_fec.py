"""`relance import fec`: customers, invoices, credit notes, payments and lettering (real DB)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from relance.cli import app
from relance.core.errors import BadInput
from relance.customers.models import Customer
from relance.einvoice.fec import import_fec
from relance.einvoice.tests.conftest import FIXTURES
from relance.ledger.models import Allocation, CreditNote, Invoice, Payment
from relance.testing import Ledger, shared_data

SMALL = FIXTURES / "small_fec.txt"


def test_small_fec(ledger: Ledger) -> None:
    result = import_fec(ledger.creditor, SMALL)
    assert result.ok, result.errors
    assert (result.lines, result.customer_lines) == (13, 6)
    assert dict(result.created) == {
        "customers": 2,
        "invoices": 3,
        "payments": 2,
        "credit_notes": 1,
        "allocations": 3,
    }
    gerard = Customer.objects.get(external_ref="C001")
    assert gerard.legal_name == "Épicerie Gérard"  # read as ISO-8859-1
    # a PieceRef shared by two sales: numbered journal-entry; a PieceRef of its own is kept
    assert set(Invoice.objects.values_list("number", flat=True)) == {"VE-1", "VE-2", "F-2025-003"}
    first = Invoice.objects.get(number="VE-1")
    assert first.total_incl_tax_minor == 12000 and str(first.issue_date) == "2025-01-05"
    assert str(first.due_date) == "2025-02-04"  # + the creditor's 30 days
    assert first.is_paid
    second = Invoice.objects.get(number="VE-2")
    assert second.open_minor == 0  # 50 credited + 250 paid, both lettered AB
    assert CreditNote.objects.get().number == "AV-001"
    assert Payment.objects.get(external_ref="fec:BQ:6:C002").amount_minor == 25000
    assert Invoice.objects.get(number="F-2025-003").open_minor == 8000  # not lettered
    assert {str(a.date) for a in Allocation.objects.all()} == {"2025-02-10", "2025-03-01"}

    again = import_fec(ledger.creditor, SMALL)
    assert dict(again.created) == {"allocations": 0}
    assert dict(again.unchanged) == {"invoices": 3, "payments": 2, "credit_notes": 1}
    assert Allocation.objects.count() == 3


def test_dry_run_writes_nothing(ledger: Ledger) -> None:
    result = import_fec(ledger.creditor, SMALL, dry_run=True)
    assert result.ok and result.created["invoices"] == 3
    assert not Invoice.objects.exists() and not Customer.objects.exists()


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("|20250125|41100000", "|2025-01-25|41100000", 7, "not a date"),
        ("|80,00|0,00|||", "|8O,00|0,00|||", 7, "not an amount"),
        ("|80,00|0,00|||", "|80,00|5,00|||", 7, "one of Debit or Credit"),
        ("|80,00|0,00|||20250131||", "|80,00", 7, "columns"),
    ],
)
def test_bad_lines_refuse_the_file(
    ledger: Ledger, tmp_path: Path, old: str, new: str, line: int, words: str
) -> None:
    text = SMALL.read_bytes().decode("iso-8859-1")
    assert old in text
    path = tmp_path / "bad.txt"
    path.write_bytes(text.replace(old, new, 1).encode("iso-8859-1"))
    result = import_fec(ledger.creditor, path)
    assert [(e.line, words in e.message) for e in result.errors] == [(line, True)]
    assert not Invoice.objects.exists() and not Customer.objects.exists()


def test_not_a_fec(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    with pytest.raises(BadInput, match="missing column"):
        import_fec(ledger.creditor, path)


def test_tab_separated_utf8(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "fec.txt"
    text = SMALL.read_bytes().decode("iso-8859-1").replace("|", "\t")
    path.write_text(text, encoding="utf-8")
    result = import_fec(ledger.creditor, path)
    assert result.ok and result.created["invoices"] == 3
    assert Customer.objects.filter(legal_name="Épicerie Gérard").exists()


@pytest.mark.django_db(transaction=True)
def test_cli(tmp_path: Path) -> None:
    Ledger.create()
    result = CliRunner().invoke(app, ["import", "fec", str(SMALL)])
    assert result.exit_code == 0, result.output
    assert "3 invoices" in result.output
    bad = tmp_path / "bad.txt"
    bad.write_text("nothing\n", encoding="utf-8")
    assert CliRunner().invoke(app, ["import", "fec", str(bad)]).exit_code == 2


def test_real_fec(ledger: Ledger) -> None:
    path = shared_data("fec/111111111FEC20221231.TXT")
    result = import_fec(ledger.creditor, path)
    assert result.ok, result.errors[:5]
    assert result.created["customers"] > 0 and result.created["invoices"] > 0
    assert dict(result.unchanged) == {}  # no two lines of the file took the same number
    # every lettered line found its counterpart: nothing lettered stays half-allocated
    # beyond what its group really left open
    total = sum(Invoice.objects.values_list("total_incl_tax_minor", flat=True))
    allocated = sum(Invoice.objects.values_list("allocated_minor", flat=True))
    assert 0 < allocated <= total
    assert all((c.external_ref or "").startswith("411") for c in Customer.objects.all())


def test_entry_with_several_customer_lines(ledger: Ledger, tmp_path: Path) -> None:
    header = SMALL.read_bytes().decode("iso-8859-1").splitlines()[0]
    rows = [
        "AN|A nouveaux|1|20250101|41100000|Clients|C001|Gérard|AN|20250101|Report|50,00|0,00||||||",
        "AN|A nouveaux|1|20250101|41100000|Clients|C002|Martin|AN|20250101|Report|70,00|0,00||||||",
        "AN|A nouveaux|1|20250101|89000000|Bilan|||AN|20250101|Report|0,00|120,00||||||",
    ]
    path = tmp_path / "an.txt"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = import_fec(ledger.creditor, path)
    assert result.ok and dict(result.unchanged) == {}
    assert set(Invoice.objects.values_list("number", flat=True)) == {"AN-1-1", "AN-1-2"}
