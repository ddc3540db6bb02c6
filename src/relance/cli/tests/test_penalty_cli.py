"""`relance penalty` and `relance rates`: JSON output, overrides, bad input (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from relance.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _rates_dir(settings: Any, tmp_path: Path) -> Path:
    settings.RELANCE_RATES_DIR = tmp_path / "rates"
    return tmp_path / "rates"


def _json(args: list[str]) -> Any:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_penalty_json_worked_example() -> None:
    data = _json(
        [
            "penalty",
            "--principal",
            "48 000,00",
            "--due",
            "30/11/2022",
            "--paid",
            "2023-03-01",
            "--json",
        ]
    )
    assert (data["interest"], data["indemnity"], data["total"]) == ("1393.97", "40.00", "1433.97")
    assert [(s["from"], s["to"], s["days"], s["rate"], s["amount"]) for s in data["segments"]] == [
        ("2022-12-01", "2022-12-31", 31, "10.00", "407.67"),
        ("2023-01-01", "2023-03-01", 60, "12.50", "986.30"),
    ]


def test_penalty_conventions_and_options() -> None:
    base = ["penalty", "--principal", "2500", "--due", "2024-01-15", "--paid", "2024-03-15"]
    assert _json([*base, "--divisor-366", "--json"])["interest"] == "59.43"
    no_split = ["penalty", "--principal", "5000", "--due", "2025-06-15", "--paid", "2025-08-14"]
    assert _json([*no_split, "--no-split", "--json"])["interest"] == "108.08"
    b2c = _json(
        [
            "penalty",
            "--principal",
            "1000",
            "--due",
            "2025-03-31",
            "--paid",
            "2025-05-30",
            "--b2c",
            "--notice-date",
            "30/04/2025",
            "--json",
        ]
    )
    assert (b2c["interest"], b2c["indemnity"]) == ("3.05", "0.00")
    contract = _json(
        [
            "penalty",
            "--principal",
            "10000",
            "--due",
            "2025-03-31",
            "--paid",
            "2025-05-15",
            "--contract-rate",
            "9",
            "--json",
        ]
    )
    assert contract["interest"] == "110.96"
    assert contract["findings"][0]["code"] == "contract_rate_below_floor"
    uk = _json(
        [
            "penalty",
            "--principal",
            "5000",
            "--due",
            "2025-06-20",
            "--paid",
            "2025-08-19",
            "--jurisdiction",
            "uk",
            "--json",
        ]
    )
    assert (uk["currency"], uk["interest"], uk["indemnity"]) == ("GBP", "104.79", "70.00")
    partial = _json(
        [
            "penalty",
            "--principal",
            "10000",
            "--due",
            "2025-03-31",
            "--paid",
            "2025-05-15",
            "--payment",
            "15/04/2025:4000",
            "--json",
        ]
    )
    assert partial["interest"] == "118.89"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--principal", "abc"], "--principal"),
        (["--principal", "-5"], "must be positive"),
        (["--principal", "1" * 40], "too large"),
        (["--due", "31/02/2025"], "--due"),
        (["--paid", "15/05/25"], "two-digit years"),
        (["--jurisdiction", "ES"], "not one of FR, DE, UK, EU"),
        (["--currency", "EURO"], "currency"),
        (["--contract-rate", "douze"], "--contract-rate"),
        (["--contract-rate", "150"], "0 to 100"),
        (["--payment", "4000"], "DATE:AMOUNT"),
        (["--payment", "15/04/2025:x"], "--payment"),
        (["--payment", "15/04/2025:20000"], "exceed"),
        (["--b2c", "--jurisdiction", "UK"], "businesses only"),
        (["--due", "2026-06-30", "--paid", "2026-07-15"], "fr-ecb has no rate for 2026-07-01"),
    ],
)
def test_penalty_bad_input_exits_2(extra: list[str], message: str) -> None:
    args = {"--principal": "10000", "--due": "2025-03-31", "--paid": "2025-05-15"}
    rest: list[str] = []
    i = 0
    while i < len(extra):
        if extra[i] in args and i + 1 < len(extra):
            args[extra[i]] = extra[i + 1]
            i += 2
        else:
            rest.append(extra[i])
            i += 1
    flat = [x for pair in args.items() for x in pair]
    result = runner.invoke(app, ["penalty", *flat, *rest, "--json"])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_rates_add_covers_a_new_half_year(_rates_dir: Path) -> None:
    args = ["penalty", "--principal", "10000", "--due", "2026-06-30", "--paid", "2026-07-15"]
    assert runner.invoke(app, [*args, "--json"]).exit_code == 2
    added = runner.invoke(
        app,
        [
            "rates",
            "add",
            "--table",
            "fr-ecb",
            "--half-year",
            "2026-S2",
            "--rate",
            "2.15",
            "--source",
            "https://www.banque-france.fr/en/policy-rates",
            "--legal-rate",
            "2.5",
        ],
    )
    assert added.exit_code == 0, added.output
    assert (_rates_dir / "fr-ecb.csv").exists()
    # 10000 × 12.15 % × 15 / 365 = 49.9315 → 49.93
    assert _json([*args, "--json"])["interest"] == "49.93"
    listed = _json(["rates", "list", "--table", "fr-ecb", "--json"])["fr-ecb"]
    last = listed[-1]
    assert (last["half_year"], last["rate"], last["legal_rate"], last["origin"], last["mark"]) == (
        "2026-S2",
        "2.15",
        "2.5",
        "override",
        "U",
    )
    assert listed[0]["origin"] == "shipped" and len(listed) == 24


def test_rates_list_all_tables() -> None:
    data = _json(["rates", "list", "--json"])
    assert set(data) == {"fr-ecb", "de-basiszins", "uk-boe"}
    assert data["uk-boe"][0]["reference_date"] == "2014-12-31"
    table = runner.invoke(app, ["rates", "list", "--table", "de-basiszins"])
    assert table.exit_code == 0 and "-0.88" in table.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--table", "xx"], "--table: 'xx'"),
        (["--half-year", "2026-S3"], "not a half-year"),
        (["--rate", "abc"], "--rate"),
        (["--source", "banque-france.fr"], "not a source URL"),
        (["--mark", "Z"], "--mark"),
        (["--table", "de-basiszins", "--legal-rate", "1"], "no legal rate column"),
    ],
)
def test_rates_add_bad_input_exits_2(args: list[str], message: str, _rates_dir: Path) -> None:
    values = {
        "--table": "fr-ecb",
        "--half-year": "2026-S2",
        "--rate": "2.15",
        "--source": "https://www.ecb.europa.eu/",
    }
    rest: list[str] = []
    for i in range(0, len(args), 2):
        if args[i] in values:
            values[args[i]] = args[i + 1]
        else:
            rest += args[i : i + 2]
    flat = [x for pair in values.items() for x in pair]
    result = runner.invoke(app, ["rates", "add", *flat, *rest])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (_rates_dir / "fr-ecb.csv").exists()


def test_broken_override_file_is_reported(_rates_dir: Path) -> None:
    _rates_dir.mkdir(parents=True)
    (_rates_dir / "uk-boe.csv").write_text("nonsense\n")
    result = runner.invoke(app, ["rates", "list"])
    assert result.exit_code == 2 and "uk-boe.csv: the header must be" in result.output
