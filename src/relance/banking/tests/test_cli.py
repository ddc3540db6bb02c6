"""`relance import camt|ofx|cfonb|bank-csv` on the command line (CliRunner, real database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relance.banking.models import BankLine, BankStatement
from relance.banking.tests import fixtures
from relance.cli import app
from relance.testing import Ledger

runner = CliRunner()

pytestmark = pytest.mark.django_db(transaction=True)


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_camt_import_report_then_duplicate(tmp_path: Path) -> None:
    Ledger.create()
    path = write(tmp_path, "feb.xml", fixtures.camt053())
    result = runner.invoke(app, ["import", "camt", path])
    assert result.exit_code == 0, result.output
    assert "statement STMT-2025-03-01 (FR7630006000011234567890189, camt.053.001.02" in (
        result.output
    )
    assert "4 new, 0 duplicate lines" in result.output
    assert "return E3 -500.00 EUR (reason AM04): no earlier payment found: to review" in (
        result.output
    )
    again = runner.invoke(app, ["import", "camt", path])
    assert again.exit_code == 0
    assert "duplicate statement: already imported, nothing stored" in again.output
    assert "(this file was imported before)" in again.output
    assert BankStatement.objects.count() == 1 and BankLine.objects.count() == 4


def test_json_and_dry_run(tmp_path: Path) -> None:
    Ledger.create()
    path = write(tmp_path, "r.txt", fixtures.cfonb_statement())
    result = runner.invoke(app, ["import", "cfonb", path, "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["dry_run"] is True and payload["new_lines"] == 2
    assert payload["statements"][0]["format"] == "cfonb120"
    assert not BankLine.objects.exists()


def test_ofx_with_account_option(tmp_path: Path) -> None:
    Ledger.create()
    path = write(tmp_path, "s.ofx", fixtures.OFX2)
    ok = runner.invoke(
        app, ["import", "ofx", path, "--account", "FR76 3000 6000 0112 3456 7890 189"]
    )
    assert ok.exit_code == 0, ok.output
    wrong = runner.invoke(app, ["import", "ofx", path, "--account", "DE89370400440532013000"])
    assert wrong.exit_code == 2
    assert "is for account FR7630006000011234567890189, not DE89370400440532013000" in wrong.output


def test_bank_csv_with_mapping_file_and_options(tmp_path: Path) -> None:
    Ledger.create()
    csv_path = write(
        tmp_path, "b.csv", "Date;Montant;Libellé\n28/02/2025;1 200,00;VIR ACME\n".encode()
    )
    mapping = tmp_path / "m.toml"
    mapping.write_text('date = "Date"\namount = "Montant"\nlabel = "Libellé"\n')
    result = runner.invoke(
        app,
        [
            "import",
            "bank-csv",
            csv_path,
            "--mapping",
            str(mapping),
            "--account",
            "FR7630006000011234567890189",
        ],
    )
    assert result.exit_code == 0, result.output
    assert BankLine.objects.get().amount_minor == 120000
    by_options = runner.invoke(
        app,
        [
            "import", "bank-csv", csv_path, "--account", "FR7630006000011234567890189",
            "--map", "date=Date", "--map", "amount=Montant", "--json", "--dry-run",
        ],
    )  # fmt: skip
    assert by_options.exit_code == 0, by_options.output
    assert json.loads(by_options.stdout)["duplicate_file"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bank-csv", "{csv}"], "bank-csv needs a column mapping"),
        (["bank-csv", "{csv}", "--map", "oops"], "expected KEY=VALUE"),
        (["bank-csv", "{csv}", "--map", "date=Date"], "the mapping needs the account"),
        (["bank-csv", "{csv}", "--map", "date=Date", "--account", "X"], "needs an amount column"),
        (["bank-csv", "{csv}", "--mapping", "{missing}"], "no such mapping file"),
        (["camt", "{bad}"], "bad.xml, line "),
        (["cfonb", "{csv}"], "b.csv, line 1, record code"),
        (["ofx", "{missing}"], "no such file"),
    ],
)
def test_bad_input_exits_2_with_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    Ledger.create()
    paths = {
        "csv": write(tmp_path, "b.csv", b"Date;Montant\n28/02/2025;1,00\n"),
        "bad": write(tmp_path, "bad.xml", fixtures.camt053(amount="1.234")),
        "missing": str(tmp_path / "nope.json"),
    }
    result = runner.invoke(app, ["import", *[a.format(**paths) for a in args]])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not BankLine.objects.exists()
