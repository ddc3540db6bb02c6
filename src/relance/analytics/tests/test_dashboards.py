"""Dashboards: indicators by hand, tables from a small ledger, the page and its exports."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from relance.accounts.models import Role
from relance.analytics.dashboards import (
    aging_trend,
    month_ends,
    overdue_by_segment,
    step_effectiveness,
    top_debtors,
)
from relance.domain.kpis import ListedItem, at_risk_rate, cei, effectiveness, percent
from relance.dunning.models import Action, ActionItem
from relance.ledger.models import Invoice
from relance.testing import Ledger
from relance.web.tests.conftest import login

AS_OF = date(2025, 3, 31)


def test_cei_and_at_risk_by_hand() -> None:
    # (1000 + 500 − 600) / (1000 + 500 − 400) = 900 / 1100 = 81.818… → 81.8
    assert cei(1000, 500, 600, 400) == Decimal("81.8")
    assert cei(0, 0, 0, 0) is None
    assert at_risk_rate(1000, 250) == Decimal("25.0")
    assert at_risk_rate(0, 0) is None
    assert percent(1, 3) == Decimal("33.3")
    assert percent(2, 3) == Decimal("66.7")


def test_effectiveness_groups_per_step_and_channel() -> None:
    rows = effectiveness(
        [
            ListedItem("j+1", "email", 1000, 1000),  # paid in full
            ListedItem("j+1", "email", 1000, 400),  # partly: not counted as paid
            ListedItem("j+1", "sms", 500, 600),  # overpaid: recovered is capped at the open
            ListedItem("j+8", "email", 300, 0),
        ]
    )
    got = [(e.step, e.channel, e.items, e.paid, e.share, e.recovered_minor) for e in rows]
    assert got == [
        ("j+1", "email", 2, 1, Decimal("50.0"), 1400),
        ("j+1", "sms", 1, 1, Decimal("100.0"), 500),
        ("j+8", "email", 1, 0, Decimal("0.0"), 0),
    ]


def test_month_ends() -> None:
    assert month_ends(date(2025, 3, 15), 3) == [
        date(2024, 12, 31),
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 15),
    ]


@pytest.fixture
def book(ledger: Ledger) -> dict[str, Invoice]:
    a = ledger.customer("Alpha SAS", segment="industrie")
    b = ledger.customer("Beta SARL", segment="commerce")
    a1 = ledger.invoice(a, "A1", "1000.00", issued="2025-01-05", due="2025-02-04")
    a2 = ledger.invoice(a, "A2", "400.00", issued="2025-03-01", due="2025-04-30")
    b1 = ledger.invoice(b, "B1", "600.00", issued="2024-11-01", due="2024-12-01")
    # B1 paid after AS_OF: still overdue at AS_OF (121 days: at risk)
    ledger.payment(b, "600.00", on="2025-04-10", pays=[b1])
    # A1 half paid on 20/03, after the reminder of 15/03 (within 7 days, but only in part)
    ledger.payment(a, "500.00", on="2025-03-20", pays=[a1])
    return {"a1": a1, "a2": a2, "b1": b1}


@pytest.mark.django_db
def test_tables_from_a_small_ledger(ledger: Ledger, book: dict[str, Invoice]) -> None:
    trend, indicators = aging_trend(ledger.creditor, [date(2025, 2, 28), AS_OF])
    last = trend.rows[-1]
    # at AS_OF: not due 400 (A2); 31–60: A1 500 open (55 days); > 90: B1 600 (120 days)
    assert last[0] == AS_OF
    assert last[1:] == [
        Decimal("400.00"),
        Decimal("0.00"),
        Decimal("500.00"),
        Decimal("0.00"),
        Decimal("600.00"),
        Decimal("1500.00"),
        Decimal("1100.00"),
    ]
    (period,) = indicators.rows
    # start (28/02): A1 1000 + B1 600 = 1600; March sales 400; end 1500, not due 400
    # CEI = (1600 + 400 − 1500) / (1600 + 400 − 400) = 500 / 1600 = 31.25 → 31.3
    assert period[1:] == [
        Decimal("1600.00"),
        Decimal("400.00"),
        Decimal("1500.00"),
        Decimal("400.00"),
        Decimal("31.3"),
        Decimal("40.0"),  # 600 of 1500 more than 90 days overdue
    ]
    segments = overdue_by_segment(ledger.creditor, AS_OF)
    assert segments.rows == [
        ["commerce", Decimal("600.00"), Decimal("54.5")],
        ["industrie", Decimal("500.00"), Decimal("45.5")],
    ]
    top = top_debtors(ledger.creditor, AS_OF, limit=1)
    assert top.rows == [["Beta SARL", Decimal("600.00")]]


def _sent(ledger: Ledger, invoice: Invoice, on: date, step: str, channel: str, key: str) -> None:
    action = Action.objects.create(
        creditor=ledger.creditor,
        customer=invoice.customer,
        currency="EUR",
        as_of=on,
        step_key=step,
        step_offset=8,
        channel=channel,
        tone="firm",
        kind="reminder",
        status="sent",
        total_minor=invoice.total_incl_tax_minor,
        overdue_total_minor=invoice.total_incl_tax_minor,
        idempotency_key=key,
        sent_on=on,
    )
    ActionItem.objects.create(
        action=action,
        invoice=invoice,
        level_key=step,
        level_offset=8,
        advances=True,
        open_minor=invoice.total_incl_tax_minor,
    )


@pytest.mark.django_db
def test_step_effectiveness(ledger: Ledger, book: dict[str, Invoice]) -> None:
    c = ledger.customer("Gamma SA")
    c1 = ledger.invoice(c, "C1", "200.00", issued="2025-01-01", due="2025-02-01")
    ledger.payment(c, "200.00", on="2025-03-05", pays=[c1])  # 5 days after the email
    _sent(ledger, c1, date(2025, 2, 28), "j+8", "email", "k1")
    _sent(ledger, book["a1"], date(2025, 3, 15), "j+8", "email", "k2")  # paid half on 20/03
    _sent(ledger, book["b1"], date(2025, 3, 1), "j+90", "letter", "k3")  # paid 40 days later
    _sent(ledger, book["b1"], date(2025, 3, 28), "j+120", "letter", "k4")  # too recent
    table = step_effectiveness(ledger.creditor, AS_OF)
    assert table.rows == [
        ["j+8", "email", 2, 1, Decimal("50.0"), Decimal("700.00")],
        ["j+90", "letter", 1, 0, Decimal("0.0"), Decimal("0.00")],
    ]


@pytest.mark.django_db
def test_dashboards_page_and_exports(
    ledger: Ledger, book: dict[str, Invoice], client: Client
) -> None:
    login(client, ledger.user("admin", Role.ADMIN))
    page = client.get("/dashboards/", {"as_of": "2025-03-31"})
    html = page.content.decode()
    assert page.status_code == 200
    for key in ("aging_trend", "cei", "dso", "segments", "top_debtors", "effectiveness"):
        assert f'id="table-{key}"' in html
    assert 'id="chart-overdue"' in html and 'id="chart-dso"' in html
    csv = client.get("/dashboards/", {"as_of": "2025-03-31", "export": "csv", "table": "segments"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[1:] == ["commerce;600.00;54.5", "industrie;500.00;45.5"]
    xlsx = client.get(
        "/dashboards/", {"as_of": "2025-03-31", "export": "xlsx", "table": "top_debtors"}
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[2]] == ["Beta SARL", 600]
    assert client.get("/dashboards/", {"export": "csv", "table": "nope"}).status_code == 400
    assert client.get("/dashboards/", {"export": "pdf", "table": "dso"}).status_code == 400


@pytest.mark.django_db
def test_a_collector_sees_only_their_customers(ledger: Ledger, client: Client) -> None:
    alice = ledger.user("alice", Role.COLLECTOR)
    mine = ledger.customer("Mine SAS", assigned_collector=alice)
    other = ledger.customer("Other SAS")
    ledger.invoice(mine, "M1", "100.00", issued="2025-01-01", due="2025-01-31")
    ledger.invoice(other, "O1", "900.00", issued="2025-01-01", due="2025-01-31")
    login(client, alice)
    html = client.get("/dashboards/", {"as_of": "2025-03-31"}).content.decode()
    assert "Mine SAS" in html and "Other SAS" not in html
    assert 'id="table-dso"' not in html  # the whole portfolio's: not for a collector


def test_promises_kept_by_month(ledger: Ledger) -> None:
    from relance.analytics.dashboards import promises_kept
    from relance.negotiation.models import Promise

    acme = ledger.customer("ACME")

    def judged(status: str, on: date, amount: int = 10000, currency: str = "EUR") -> None:
        Promise.objects.create(
            creditor=ledger.creditor,
            customer=acme,
            currency=currency,
            amount_minor=amount,
            promised_on=on,
            taken_on=on,
            channel="call",
            status=status,
            settled_on=None if status == "pending" else on,
        )

    judged("kept", date(2025, 2, 10), 30000)
    judged("broken", date(2025, 2, 20))
    judged("partly_kept", date(2025, 3, 5))
    judged("kept", date(2025, 3, 6))
    judged("kept", date(2025, 3, 7))
    judged("pending", date(2025, 3, 8))  # not judged: left out
    judged("kept", date(2025, 3, 9), currency="USD")  # another currency: left out
    table = promises_kept(ledger.creditor, [date(2025, 2, 28), date(2025, 3, 31)])
    assert table.rows == [
        [date(2025, 2, 28), 1, 0, 1, Decimal("400.00"), Decimal("50.0")],
        [date(2025, 3, 31), 2, 1, 0, Decimal("300.00"), Decimal("66.7")],
    ]
    assert promises_kept(ledger.creditor, [date(2025, 1, 31)]).rows == [
        [date(2025, 1, 31), 0, 0, 0, Decimal("0.00"), None]
    ]
