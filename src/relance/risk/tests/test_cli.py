"""`relance risk recompute`: JSON output, bad dates and unknown creditors (exit code 2)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from relance.cli import app
from relance.risk.models import RiskProfile
from relance.testing import Ledger

runner = CliRunner()


@pytest.mark.django_db(transaction=True)
def test_recompute_json(ledger: Ledger) -> None:
    acme = ledger.customer("ACME SAS", customer_since=date(2024, 1, 1))
    ledger.invoice(acme, "F-1", "100.00", issued="2025-09-01", due="2025-10-01")
    result = runner.invoke(app, ["risk", "recompute", "--date", "2025-12-31", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["customers"] == 1
    assert body["held"] == 1
    assert sum(body["segments"].values()) == 1
    assert RiskProfile.objects.get(customer=acme).as_of == date(2025, 12, 31)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("bad", ["31/02/2025", "hier", "2025-13-01"])
def test_bad_date(ledger: Ledger, bad: str) -> None:
    result = runner.invoke(app, ["risk", "recompute", "--date", bad])
    assert result.exit_code == 2
    assert "--date" in result.output
    assert "Traceback" not in result.output
    assert not RiskProfile.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_unknown_creditor(ledger: Ledger) -> None:
    result = runner.invoke(app, ["risk", "recompute", "--creditor", "999"])
    assert result.exit_code == 2
    assert "no creditor" in result.output
