from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from relance.cli import app

runner = CliRunner()


def test_bench_run_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELANCE_BENCH_DATABASE_URL", raising=False)  # temporary SQLite files
    result = runner.invoke(app, ["bench", "run", "--invoices", "200", "--json"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    data = json.loads(lines[0])
    for key in ("plan_s", "scan_s", "ratio", "actions", "peak_rss_mb", "setup_s", "messages"):
        assert key in data and key in data["small"]
    assert data["invoices"] == 200 and data["customers"] == 20 and data["database"] == "sqlite"
    assert data["small"]["invoices"] == 20
    assert data["scanned"] == 200  # due dates run to as_of + 5 days, the lead of step j-5
    assert data["actions"] > 0 and data["messages"] > 0 and data["ratio"] > 0
    assert len(data["by_step"]) > 1  # the history puts invoices at different levels
    assert data["size_ratio"] == 10
    assert data["peak_rss_mb"] > 0 and data["time_ratio"] > 0 and data["rss_ratio"] > 0
    # the plan's time in two parts, measured inside it
    assert data["decide_s"] > 0 and data["write_s"] > 0
    assert data["decide_s"] + data["write_s"] <= data["plan_s"]


def test_bench_dispatch_json() -> None:
    result = runner.invoke(app, ["bench", "dispatch", "--messages", "30", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["messages"] == data["sent"] == data["delivered"] == 30
    assert data["unique_message_ids"] == 30 and data["outcomes"] == {"sent": 30}
    assert data["messages_per_s"] > 0
