from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from relance.cli import app
from relance.testing import Ledger

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def test_aging_json(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    ledger.invoice(acme, "F-1", "100.00", issued="2025-05-01", due="2025-05-31")
    ledger.invoice(acme, "F-2", "50.00", issued="2025-06-01", due="2025-07-31")
    result = runner.invoke(app, ["aging", "--date", "30/06/2025", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    eur = data["currencies"]["EUR"]
    amounts = {b["key"]: b["amount"] for b in eur["buckets"]}
    assert amounts["d1_30"] == "100.00" and amounts["not_due"] == "50.00"
    assert eur["total"] == "150.00" and eur["overdue"] == "100.00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["aging", "--date", "2025-02-30", "--json"], "not a valid date"),
        (["aging", "--date", "30/06/25"], "two-digit years"),
        (["aging", "--date", "2025-06-30", "--creditor", "999999"], "no creditor"),
    ],
)
def test_aging_bad_input_exits_2(ledger: Ledger, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output


def test_aging_needs_a_choice_between_creditors(ledger: Ledger) -> None:
    Ledger.create("Autre SARL", siren="552100554")
    result = runner.invoke(app, ["aging", "--date", "2025-06-30"])
    assert result.exit_code == 2 and "several creditors" in result.output
    result = runner.invoke(app, ["aging", "--date", "2025-06-30", "--creditor", "552100554"])
    assert result.exit_code == 0 and "Nothing open" in result.output


def test_demo_no_serve_prints_one_json_line() -> None:
    result = runner.invoke(
        app,
        ["demo", "--no-serve", "--customers", "15", "--invoices", "120", "--date", "2026-11-22"],
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    facts = json.loads(lines[0])
    assert facts["customers"] == 15 and facts["invoices"] == 120 and facts["created"] is True
    again = json.loads(runner.invoke(app, ["demo", "--no-serve", "--date", "2026-11-22"]).stdout)
    assert again["created"] is False and again["invoices"] == 120


def test_run_dry_run_then_plan_then_back_dated(ledger: Ledger) -> None:
    acme = ledger.customer("ACME")
    ledger.invoice(acme, "F-1", "100.00", issued="2025-05-01", due="2025-05-31")
    preview = runner.invoke(app, ["run", "--date", "01/06/2025", "--dry-run", "--json"])
    assert preview.exit_code == 0, preview.output
    data = json.loads(preview.stdout)
    assert data["dry_run"] is True and data["run"] is None and data["by_step"] == {"j+1": 1}
    planned = runner.invoke(app, ["run", "--date", "2025-06-02"])
    assert planned.exit_code == 0, planned.output
    assert "1 messages to 1 customers planned" in planned.output
    again = runner.invoke(app, ["run", "--date", "2025-06-02", "--json"])
    assert json.loads(again.stdout)["already_planned"] is True
    back = runner.invoke(app, ["run", "--date", "2025-06-01"])
    assert back.exit_code == 2 and "back-dated" in back.output
    bad = runner.invoke(app, ["run", "--date", "2025-13-01"])
    assert bad.exit_code == 2 and "--date" in bad.output


def test_worker_sends_what_is_due_and_refuses_a_bad_channel_config(
    ledger: Ledger, settings: object
) -> None:
    acme = ledger.customer("ACME")
    ledger.contact(acme, "compta@acme.example")
    ledger.invoice(acme, "F-1", "100.00", issued="2025-05-01", due="2025-05-31")
    assert runner.invoke(app, ["run", "--date", "2025-06-01"]).exit_code == 0
    sent = runner.invoke(app, ["worker", "--once", "--json"])
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.stdout) == {"sent": 1}
    settings.RELANCE_CHANNELS = "email=pigeon"  # type: ignore[attr-defined]
    bad = runner.invoke(app, ["worker", "--once"])
    assert bad.exit_code == 2 and "unknown backend 'pigeon'" in bad.output
