from __future__ import annotations

import json

from typer.testing import CliRunner

from relance.cli import app

runner = CliRunner()

KEYS = ("seconds", "auto_rate", "wrong", "precision", "recall", "peak_rss_mb", "mode")


def test_bench_match_json() -> None:
    result = runner.invoke(
        app, ["bench", "match", "--lines", "300", "--invoices", "3000", "--json"]
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    data = json.loads(lines[0])
    for key in KEYS:
        assert key in data
    assert data["lines"] == 300 and data["invoices"] == 3000 and data["customers"] == 300
    assert data["wrong"] == 0
    assert data["wrong_by_category"] == {}
    assert 0.9 <= data["auto_rate"] <= 1 and data["precision"] == 1.0
    assert 0 < data["recall"] <= 1 and data["seconds"] > 0 and data["peak_rss_mb"] > 0
    assert sum(data["outcomes"].values()) == 300
    assert sum(data["categories"].values()) == 300
    assert "no database" in data["mode"]


def test_bench_match_refuses_more_lines_than_invoices_allow() -> None:
    result = runner.invoke(app, ["bench", "match", "--lines", "600", "--invoices", "1000"])
    assert result.exit_code == 2
    assert "at most half of --invoices (500)" in result.output
