"""`relance import` on the command line (typer's CliRunner, real database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relance.cli import app
from relance.customers.models import Customer
from relance.imports.models import ImportBatch
from relance.ledger.models import Invoice
from relance.testing import Ledger

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
runner = CliRunner()

pytestmark = pytest.mark.django_db(transaction=True)


def test_import_examples_with_progress_and_summary() -> None:
    Ledger.create()
    result = runner.invoke(app, ["import", "customers", str(EXAMPLES / "customers.csv")])
    assert result.exit_code == 0, result.output
    assert "6 rows, 6 created, 0 updated, 0 unchanged" in result.output
    assert Customer.objects.count() == 6
    result = runner.invoke(app, ["import", "invoices", str(EXAMPLES / "invoices.csv")])
    assert result.exit_code == 0, result.output
    assert Invoice.objects.count() == 10


def test_json_output_and_dry_run(tmp_path: Path) -> None:
    Ledger.create()
    path = tmp_path / "clients.csv"
    path.write_text("ref;nom\nC1;Martin SARL\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "customers", str(path), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["status"] == "dry_run" and payload["created"] == 1
    assert payload["preview"][0]["legal_name"] == "Martin SARL"
    assert not Customer.objects.exists()


def test_errors_are_printed_with_line_and_field_and_exit_2(tmp_path: Path) -> None:
    Ledger.create()
    path = tmp_path / "clients.csv"
    path.write_text("ref;nom;siren\nC1;Martin;123456789\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "customers", str(path)])
    assert result.exit_code == 2
    assert "line 2, field siren: '123456789' is not a valid SIREN" in result.output
    assert "Traceback" not in result.output
    french = runner.invoke(app, ["import", "customers", str(path), "--lang", "fr"])
    assert french.exit_code == 2
    assert "« 123456789 » n'est pas un SIREN valide" in french.output
    assert not Customer.objects.exists()
    assert ImportBatch.objects.filter(status="rejected").count() == 2


def test_creditor_choice(tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    path.write_text("ref;nom\nC1;Martin\n", encoding="utf-8")
    first = Ledger.create("Premier SA", siren="732829320")
    second = Ledger.create("Second SA", siren="552100554")
    ambiguous = runner.invoke(app, ["import", "customers", str(path)])
    assert ambiguous.exit_code == 2
    assert "several creditors" in ambiguous.output
    by_siren = runner.invoke(app, ["import", "customers", str(path), "--creditor", "552100554"])
    assert by_siren.exit_code == 0, by_siren.output
    by_id = runner.invoke(
        app, ["import", "customers", str(path), "--creditor", str(first.creditor.pk)]
    )
    assert by_id.exit_code == 0, by_id.output
    assert Customer.objects.filter(creditor=second.creditor).count() == 1
    assert Customer.objects.filter(creditor=first.creditor).count() == 1
    unknown = runner.invoke(app, ["import", "customers", str(path), "--creditor", "999999"])
    assert unknown.exit_code == 2 and "no creditor" in unknown.output


def test_bad_arguments_exit_2_without_traceback(tmp_path: Path) -> None:
    Ledger.create()
    missing = runner.invoke(app, ["import", "invoices", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    wrong_kind = runner.invoke(app, ["import", "suppliers", str(tmp_path / "nope.csv")])
    assert wrong_kind.exit_code == 2
    assert "Traceback" not in missing.output + wrong_kind.output
