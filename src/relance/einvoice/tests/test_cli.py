"""`relance check-invoice` and `relance import einvoice|lifecycle` (CliRunner, real database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relance.cli import app
from relance.einvoice.models import LifecycleEvent
from relance.einvoice.tests.conftest import FIXTURES
from relance.ledger.models import Invoice
from relance.testing import Ledger

runner = CliRunner()
CII = str(FIXTURES / "minimal_cii.xml")
UBL = str(FIXTURES / "minimal_ubl.xml")


def test_check_invoice_complete_exits_0() -> None:
    result = runner.invoke(app, ["check-invoice", CII])
    assert result.exit_code == 0, result.output
    assert "FA-2026-0042" in result.output and "No mandatory mention is missing." in result.output


def test_check_invoice_missing_mentions_exit_1_json_and_french() -> None:
    result = runner.invoke(app, ["check-invoice", UBL, "--json", "--lang", "fr"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["invoice"]["number"] == "FA-2026-0043"
    found = {f["code"]: f for f in data["findings"]}
    assert found["INDEMNITY"]["status"] == "missing"
    assert found["INDEMNITY"]["message"].startswith("L'indemnité forfaitaire")
    assert found["INDEMNITY"]["basis"] == "C. com. L441-9, D441-5"


def test_check_invoice_reform_date_option() -> None:
    result = runner.invoke(app, ["check-invoice", UBL, "--json", "--reform-from", "2027-09-01"])
    codes = {f["code"] for f in json.loads(result.stdout)["findings"]}
    assert "BUYER_SIREN" not in codes
    bad = runner.invoke(app, ["check-invoice", UBL, "--reform-from", "soon"])
    assert bad.exit_code == 2 and "not a date" in bad.output


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"just text", "neither a PDF nor an XML"),
        (b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", "DTD"),
        (b"<unknown/>", "neither a CII"),
        (b"%PDF-1.4 nothing", "unreadable PDF"),
    ],
)
def test_check_invoice_bad_input_exit_2(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "file.xml"
    path.write_bytes(content)
    result = runner.invoke(app, ["check-invoice", str(path)])
    assert result.exit_code == 2
    assert words in result.output and "Traceback" not in result.output


def test_check_invoice_no_such_file() -> None:
    result = runner.invoke(app, ["check-invoice", "/nowhere/x.pdf"])
    assert result.exit_code == 2 and "no such file" in result.output


@pytest.mark.django_db(transaction=True)
def test_import_einvoice_dry_run_then_real_then_again() -> None:
    Ledger.create()
    dry = runner.invoke(app, ["import", "einvoice", CII, "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)[0]["status"] == "would_create"
    assert not Invoice.objects.exists()
    real = runner.invoke(app, ["import", "einvoice", CII])
    assert real.exit_code == 0, real.output
    assert "created invoice FA-2026-0042" in real.output
    again = runner.invoke(app, ["import", "einvoice", CII, "--json"])
    assert json.loads(again.stdout)[0]["status"] == "unchanged"
    assert Invoice.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_import_einvoice_refused_exit_2(tmp_path: Path) -> None:
    Ledger.create(siren="443061841")
    result = runner.invoke(app, ["import", "einvoice", CII])
    assert result.exit_code == 2
    assert "no creditor has the seller's SIREN 732829320" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    assert runner.invoke(app, ["import", "einvoice", str(empty)]).exit_code == 2


@pytest.mark.django_db(transaction=True)
def test_import_lifecycle(tmp_path: Path) -> None:
    led = Ledger.create()
    led.invoice(led.customer("ACME"), "F-1", issued="2026-10-01", due="2026-10-31")
    path = tmp_path / "s.csv"
    path.write_text("invoice;status;date\nF-1;207;2026-11-05\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "lifecycle", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 recorded" in result.output and "1 pauses" in result.output
    bad = tmp_path / "b.csv"
    bad.write_text("invoice;status;date\nF-2;207;2026-11-05\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "lifecycle", str(bad), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["errors"][0]["line"] == 2
    assert LifecycleEvent.objects.count() == 1
