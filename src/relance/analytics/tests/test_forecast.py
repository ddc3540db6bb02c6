"""The cash-in forecast: predicted pay dates, weeks, saved forecasts against actual cash."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client
from typer.testing import CliRunner

from relance.accounts.models import Role
from relance.analytics.forecast import compare, forecast, save_forecast
from relance.analytics.models import ForecastWeek
from relance.api.tests.conftest import api_for
from relance.cli.base import app
from relance.testing import Ledger
from relance.web.tests.conftest import login

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 3, 31)  # a Monday


@pytest.fixture
def book(ledger: Ledger) -> dict[str, object]:
    alice = ledger.user("alice", Role.COLLECTOR)
    a = ledger.customer("Alpha SAS", assigned_collector=alice)
    b = ledger.customer("Beta SARL")
    c = ledger.customer("Gamma SA")
    a1 = ledger.invoice(a, "A1", "300.00", issued="2025-01-01", due="2025-01-31")
    ledger.payment(a, "300.00", on="2025-02-10", pays=[a1])  # 10 days late
    a2 = ledger.invoice(a, "A2", "1000.00", issued="2025-03-01", due="2025-04-01")
    b1 = ledger.invoice(b, "B1", "500.00", issued="2025-03-15", due="2025-04-15")
    c1 = ledger.invoice(c, "C1", "200.00", issued="2025-02-01", due="2025-03-01")
    # paid after the as-of date: still open in a forecast made on AS_OF
    ledger.payment(c, "200.00", on="2025-04-08", pays=[c1])
    return {"a2": a2, "b1": b1, "c1": c1, "alice": alice}


def test_predicted_dates_and_weeks(ledger: Ledger, book: dict[str, object]) -> None:
    result = forecast(ledger.creditor, AS_OF)
    by_invoice = {pk: p for pk, p in result.predictions.items()}
    a2 = by_invoice[book["a2"].pk]  # type: ignore[attr-defined]
    assert (a2.pay_date, a2.delay_days, a2.basis) == (date(2025, 4, 11), 10, "customer")
    b1 = by_invoice[book["b1"].pk]  # type: ignore[attr-defined]
    # no history of its own: the portfolio's mean delay (10 days, Alpha's only one)
    assert (b1.pay_date, b1.basis) == (date(2025, 4, 25), "portfolio")
    c1 = by_invoice[book["c1"].pk]  # type: ignore[attr-defined]
    # expected 2025-03-11, still unpaid 30 days late: later than any invoice ever paid
    assert (c1.pay_date, c1.basis, c1.delay_days) == (None, "doubtful", 30)
    weeks = {(w.week_start, w.currency): (w.expected_minor, w.invoices) for w in result.weeks}
    assert weeks == {
        (date(2025, 4, 7), "EUR"): (100000, 1),
        (date(2025, 4, 21), "EUR"): (50000, 1),
    }
    assert result.doubtful == {"EUR": 20000}


def test_a_short_horizon_puts_the_rest_in_later(ledger: Ledger, book: dict[str, object]) -> None:
    result = forecast(ledger.creditor, AS_OF, weeks=2)
    assert [w.week_start for w in result.weeks] == [date(2025, 4, 7)]
    assert result.doubtful == {"EUR": 20000}
    assert result.later == {"EUR": 50000}


def test_a_saved_forecast_is_compared_with_the_cash_that_came_in(
    ledger: Ledger, book: dict[str, object]
) -> None:
    assert save_forecast(ledger.creditor, AS_OF) == 2
    assert save_forecast(ledger.creditor, AS_OF) == 2  # saved again: replaced, not doubled
    # issued after the forecast and paid at once: not in what that forecast is compared with
    d = ledger.customer("Delta SAS")
    d1 = ledger.invoice(d, "D1", "900.00", issued="2025-04-02", due="2025-04-02")
    ledger.payment(d, "900.00", on="2025-04-09", pays=[d1])
    assert ForecastWeek.objects.filter(made_on=AS_OF).count() == 2
    rows = compare(ledger.creditor, date(2025, 4, 14), weeks=2)
    assert [(r.week_start, r.made_on, r.expected_minor, r.actual_minor) for r in rows] == [
        (date(2025, 4, 7), AS_OF, 100000, 20000)
    ]


def test_api_forecast_is_scoped_to_the_collector(ledger: Ledger, book: dict[str, object]) -> None:
    admin = api_for(ledger.user("admin", Role.ADMIN), ledger)
    body = admin.get("/forecast", as_of="2025-03-31").json()
    assert body["weeks"][0] == {
        "week_start": "2025-04-07",
        "currency": "EUR",
        "expected": "1000.00",
        "invoices": 1,
    }
    assert body["doubtful"] == {"EUR": "200.00"}
    assert len(body["predictions"]) == 3
    alice = api_for(book["alice"], ledger)
    mine = alice.get("/forecast", as_of="2025-03-31").json()
    assert [p["invoice_id"] for p in mine["predictions"]] == [book["a2"].pk]  # type: ignore[attr-defined]
    assert admin.get("/forecast", weeks=0).status_code == 422


def test_forecast_page(ledger: Ledger, book: dict[str, object], client: Client) -> None:
    login(client, ledger.user("admin", Role.ADMIN))
    save_forecast(ledger.creditor, AS_OF)
    page = client.get("/forecast/", {"as_of": "2025-04-14"}).content.decode()
    assert 'id="forecast-weeks"' in page and "<svg" in page
    assert 'id="forecast-past"' in page  # the forecast of 31/03 against the cash of that week
    assert "A2" in page and "B1" in page


def test_cli_forecast(ledger: Ledger, book: dict[str, object]) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["forecast", "--date", "31/03/2025", "--json", "--save"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["weeks"][0]["expected"] == "1000.00"
    assert ForecastWeek.objects.count() == 2
    bad = runner.invoke(app, ["forecast", "--date", "31/02/2025"])
    assert bad.exit_code == 2 and "--date" in bad.output
    assert runner.invoke(app, ["forecast", "--date", "2025-03-31", "--weeks", "0"]).exit_code == 2
