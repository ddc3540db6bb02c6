"""`relance predict evaluate`: the history file, its bad input, the JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relance.analytics.history import parse_history, read_history
from relance.analytics.synthetic import HEADER, generate, to_csv
from relance.cli.base import app
from relance.core.errors import BadInput

GOOD = "C1,F1,2025-01-10,2025-02-09,1200.00,2025-02-20,0\n"


def test_a_good_file_is_read() -> None:
    rows = parse_history(HEADER + "\n" + GOOD)
    assert len(rows) == 1
    assert rows[0].delay == 11
    assert rows[0].amount == 1200


def test_semicolons_decimal_comma_french_dates_and_unpaid() -> None:
    text = (
        "customer_id;invoice_id;invoice_date;due_date;amount;paid_date\n"
        "C1;F1;10/01/2025;09/02/2025;1 200,50;\n"
    )
    (row,) = parse_history(text)
    assert row.paid_date is None and row.delay is None
    assert str(row.amount) == "1200.50"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("customer_id,invoice_id,invoice_date,due_date,amount\n", "missing column(s) paid_date"),
        (HEADER + ",colour\n", "unknown column(s) colour"),
        (HEADER + "\nC1,F1,2025-13-10,2025-02-09,10,,0\n", "line 2, field invoice_date"),
        (HEADER + "\nC1,F1,2025-01-10,2025-02-09,ten,,0\n", "line 2, field amount"),
        (HEADER + "\nC1,F1,2025-01-10,2025-02-09,-10,,0\n", "line 2, field amount: '-10' is neg"),
        (HEADER + "\nC1,F1,2025-01-10,2025-01-09,10,,0\n", "line 2, field due_date"),
        (HEADER + "\nC1,F1,2025-01-10,2025-02-09,10,,maybe\n", "line 2, field disputed"),
        (HEADER + "\nC1,F1,2025-01-10\n", "line 2: 3 fields, the header has 7"),
        (HEADER + "\n,F1,2025-01-10,2025-02-09,10,,0\n", "line 2, field customer_id: empty"),
        (HEADER + "\n" + GOOD + GOOD, "line 3, field invoice_id: 'F1' already on line 2"),
        (HEADER + "\n\n", "no invoice in the file"),
    ],
)
def test_bad_input_names_the_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_history(text, "h.csv")
    assert expected in str(caught.value)
    assert str(caught.value).startswith("h.csv")


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes((HEADER + "\nC1,F1,2025-01-10,2025-02-09,10,,0\n").encode() + b"\xe9\xff\n")
    with pytest.raises(BadInput, match="not UTF-8"):
        read_history(path)
    with pytest.raises(BadInput, match="cannot be read"):
        read_history(tmp_path / "absent.csv")


def test_cli_json(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text(to_csv(generate(customers=30, invoices_per_customer=30, seed=5)))
    result = CliRunner().invoke(
        app,
        ["predict", "evaluate", "--history", str(path), "--split-date", "01/09/2024", "--json"],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert {"baseline_mae", "model_mae", "baseline_auc", "model_auc", "n_train", "n_test"} <= set(
        payload
    )
    assert payload["n_train"] + payload["n_test"] == 900
    assert payload["model_mae"] < payload["baseline_mae"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--split-date", "2024-02-30"], "--split-date"),
        (["--split-date", "2024-09-01", "--late-days", "-1"], "--late-days"),
        (["--split-date", "2099-01-01"], "to test on"),
    ],
)
def test_cli_bad_arguments(tmp_path: Path, args: list[str], expected: str) -> None:
    path = tmp_path / "history.csv"
    path.write_text(to_csv(generate(customers=3, invoices_per_customer=10)))
    result = CliRunner().invoke(app, ["predict", "evaluate", "--history", str(path), *args])
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output


def test_cli_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text(HEADER + "\nC1,F1,2025-01-10,2025-02-09,ten,,0\n")
    result = CliRunner().invoke(
        app, ["predict", "evaluate", "--history", str(path), "--split-date", "2025-01-01"]
    )
    assert result.exit_code == 2
    assert "line 2, field amount" in result.output
