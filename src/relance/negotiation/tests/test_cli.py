"""`relance plans sepa`: the file written, and bad input refused with exit code 2."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import xmlschema
from typer.testing import CliRunner

from relance.cli import app
from relance.negotiation.plans import propose_plan
from relance.negotiation.sepa import XSD
from relance.testing import Ledger

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def _plan(ledger: Ledger) -> None:
    ledger.creditor.iban = "FR7630001007941234567890185"
    ledger.creditor.sepa_creditor_id = "FR72ZZZ123456"
    ledger.creditor.save()
    c = ledger.customer("Dupont SARL")
    f1 = ledger.invoice(c, "F-1", "900.00", issued="2026-01-01", due="2026-02-01")
    propose_plan(
        c,
        invoices=[f1.pk],
        instalments=[(date(2026, 4, 5), 45000), (date(2026, 5, 5), 45000)],
        agreed_on=date(2026, 3, 20),
        sepa_iban="DE89370400440532013000",
        sepa_mandate_ref="M-7",
        sepa_mandate_date=date(2026, 3, 20),
    )


def test_plans_sepa_writes_a_valid_file(ledger: Ledger, tmp_path: Path) -> None:
    _plan(ledger)
    dest = tmp_path / "debits.xml"
    result = runner.invoke(
        app, ["plans", "sepa", "--from", "01/04/2026", "--to", "2026-05-31", "--out", str(dest)]
    )
    assert result.exit_code == 0, result.output
    assert "2 direct debits, 900.00 EUR" in result.output
    xmlschema.XMLSchema(XSD).validate(dest.read_text())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-04-31", "--to", "2026-05-31"], "--from"),
        (["--from", "2026-06-01", "--to", "2026-06-30"], "no instalment"),
        (["--from", "2026-06-01", "--to", "2026-05-01"], "before from"),
    ],
)
def test_plans_sepa_bad_input_exits_2(
    ledger: Ledger, tmp_path: Path, args: list[str], message: str
) -> None:
    _plan(ledger)
    result = runner.invoke(app, ["plans", "sepa", *args, "--out", str(tmp_path / "x.xml")])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "x.xml").exists()
