"""Profile figures against hand computations, batch and one-customer recompute alike."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from relance.customers.models import Customer
from relance.dunning.models import Pause
from relance.ledger.queries import customer_behaviour
from relance.negotiation.disputes import open_dispute, resolve
from relance.risk.models import RiskProfile
from relance.risk.services import recompute
from relance.testing import Ledger

AS_OF = date(2025, 12, 31)


def _history(led: Ledger) -> Customer:
    """Four invoices of ACME, figures worked out by hand in the test below."""
    acme = led.customer("ACME SAS", customer_since=date(2024, 1, 1))
    # 1 000 due 2025-03-01, paid 2025-03-11: 10 days late.
    a = led.invoice(acme, "A", "1000.00", issued="2025-02-01", due="2025-03-01")
    led.payment(acme, "1000.00", on="2025-03-11", pays=[a])
    # 3 000 due 2025-08-01, paid on time (2025-07-30): 0 days.
    b = led.invoice(acme, "B", "3000.00", issued="2025-07-01", due="2025-08-01")
    led.payment(acme, "3000.00", on="2025-07-30", pays=[b])
    # 2 000 due 2025-11-01, half paid on 2025-11-15: open 1 000, 60 days overdue at as_of.
    c = led.invoice(acme, "C", "2000.00", issued="2025-10-01", due="2025-11-01")
    pay = led.payment(acme, "1000.00", on="2025-11-15")
    from relance.ledger.services import allocate

    allocate(c, payment=pay)
    # 500 due 2024-06-30, issued more than a year ago, paid 40 days late.
    old = led.invoice(acme, "D", "500.00", issued="2024-06-01", due="2024-06-30")
    led.payment(acme, "500.00", on="2024-08-09", pays=[old])
    # Paid after the as-of date: still open then.
    late = led.invoice(acme, "E", "100.00", issued="2025-12-01", due="2025-12-20")
    led.payment(acme, "100.00", on="2026-01-05", pays=[late])
    # Disputes open at as_of count: not one resolved before, not a pause (a promise, by hand).
    first = open_dispute(acme, items=[(c.pk, 20000)], reason="price", opened_on=date(2025, 11, 2))
    resolve(first, "withdrawn", on=date(2025, 11, 20))
    open_dispute(acme, items=[(c.pk, None)], reason="quantity", opened_on=date(2025, 12, 1))
    Pause.objects.create(creditor=led.creditor, invoice=c, reason="promesse de paiement")
    return acme


def test_figures_by_hand(ledger: Ledger) -> None:
    acme = _history(ledger)
    result = recompute(ledger.creditor, AS_OF)
    assert result.customers == 1
    p = RiskProfile.objects.get(customer=acme)
    assert p.tenure_days == (AS_OF - date(2024, 1, 1)).days == 730
    assert p.invoices == 5
    # Issued after 2024-12-31: A, B, C, E.
    assert p.revenue_12m_minor == 610_000
    assert p.settled == 3  # A, B, D
    assert p.settled_late == 2  # A (10 days), D (40 days)
    # (10 + 0 + 40) / 3 = 16.7; weighted (10×1000 + 0×3000 + 40×500) / 4500 = 6.7
    assert p.average_days_late == Decimal("16.7")
    assert p.weighted_days_late == Decimal("6.7")
    assert p.share_paid_late == Decimal("0.667")
    # Open at as_of: C (1 000 left) and E (100, paid only in January).
    assert p.open_minor == 110_000
    assert p.overdue_minor == 110_000
    assert p.open_overdue_invoices == 2
    assert p.oldest_overdue_days == 60
    assert p.partial_payments == 1  # C
    assert p.disputes == 1
    assert p.last_payment == date(2025, 11, 15)
    assert p.promises_kept_ratio is None
    # Trend: due since 2025-07-02: B 0, C 60, E 11 → 23.7; the 182 days before: A 10.
    assert p.recent_days_late == Decimal("23.7")
    assert p.previous_days_late == Decimal("10.0")
    assert p.trend_days == Decimal("13.7")


def test_agrees_with_the_ledger_behaviour_query(ledger: Ledger) -> None:
    acme = _history(ledger)
    recompute(ledger.creditor, AS_OF)
    p = RiskProfile.objects.get(customer=acme)
    b = customer_behaviour(acme.pk, AS_OF, "EUR")
    assert (p.settled, p.settled_late) == (b.settled, b.settled_late)
    assert (p.average_days_late, p.weighted_days_late) == (
        b.average_days_late,
        b.weighted_days_late,
    )
    assert (p.open_minor, p.overdue_minor) == (b.open_minor, b.overdue_minor)
    assert p.revenue_12m_minor == b.revenue_12m_minor
    assert p.tenure_days == b.tenure_days


def test_one_customer_recompute_matches_the_batch(ledger: Ledger) -> None:
    acme = _history(ledger)
    other = ledger.customer("Autre SARL")
    inv = ledger.invoice(other, "Z", "50.00", issued="2025-01-01", due="2025-01-31")
    ledger.payment(other, "50.00", on="2025-03-01", pays=[inv])
    recompute(ledger.creditor, AS_OF)
    batch = {
        p.customer_id: (p.weighted_days_late, p.open_minor, p.segment)
        for p in RiskProfile.objects.all()
    }
    RiskProfile.objects.all().delete()
    recompute(ledger.creditor, AS_OF, [acme.pk])
    assert list(RiskProfile.objects.values_list("customer_id", flat=True)) == [acme.pk]
    recompute(ledger.creditor, AS_OF, [other.pk])
    single = {
        p.customer_id: (p.weighted_days_late, p.open_minor, p.segment)
        for p in RiskProfile.objects.all()
    }
    assert single == batch


def test_customer_without_invoices_is_new(ledger: Ledger) -> None:
    lone = ledger.customer("Nouveau SAS")
    recompute(ledger.creditor, AS_OF)
    p = RiskProfile.objects.get(customer=lone)
    assert p.segment == "new"
    assert p.invoices == 0
    assert p.average_days_late is None


def test_other_currency_invoices_are_left_out(ledger: Ledger) -> None:
    acme = ledger.customer("ACME SAS", customer_since=date(2024, 1, 1))
    ledger.invoice(acme, "USD-1", "900.00", issued="2025-06-01", due="2025-07-01", currency="USD")
    ledger.invoice(acme, "EUR-1", "100.00", issued="2025-06-01", due="2025-07-01")
    recompute(ledger.creditor, AS_OF)
    p = RiskProfile.objects.get(customer=acme)
    assert (p.invoices, p.open_minor, p.currency) == (1, 10_000, "EUR")


def test_payment_through_the_api_refreshes_the_profile(ledger: Ledger) -> None:
    from django.test import Client

    from relance.api.models import ApiToken

    admin = ledger.user("admin")
    _token, text = ApiToken.issue(admin, ledger.creditor.pk)
    acme = ledger.customer("ACME SAS")
    inv = ledger.invoice(acme, "F-1", "100.00", issued="2025-01-01", due="2025-01-31")
    answer = Client().post(
        "/api/payments",
        {
            "customer": acme.pk,
            "date": "2025-02-10",
            "amount": "100.00",
            "allocations": [{"invoice": inv.pk, "amount": "100.00"}],
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {text}"},
    )
    assert answer.status_code == 201, answer.content
    p = RiskProfile.objects.get(customer=acme)
    assert (p.settled, p.settled_late, p.last_payment) == (1, 1, date(2025, 2, 10))


def test_import_refreshes_the_customers_it_touched(ledger: Ledger) -> None:
    from io import BytesIO

    from relance.imports.service import run_import

    acme = ledger.customer("ACME SAS", external_ref="ACME")
    csv = (
        b"number;customer_ref;issue_date;due_date;total_incl_tax\n"
        b"F-9;ACME;01/01/2025;31/01/2025;120,00\n"
    )
    result = run_import(ledger.creditor, "invoices", BytesIO(csv), file_name="f.csv")
    assert result.applied, result.errors
    p = RiskProfile.objects.get(customer=acme)
    assert (p.invoices, p.open_minor) == (1, 12_000)


def test_promises_judged_and_plans_asked_for_count(ledger: Ledger) -> None:
    """Kept, partly kept and broken promises judged by the as-of date make the ratio; two
    broken ones make an avoider; a plan requested on a call counts as a plan request."""
    from datetime import UTC, datetime

    from relance.negotiation.models import CallLog, Promise

    acme = ledger.customer("ACME SAS", customer_since=date(2024, 1, 1))
    ledger.invoice(acme, "A", "1000.00", issued="2025-09-01", due="2025-10-01")

    def promise(status: str, settled: date | None) -> None:
        Promise.objects.create(
            creditor=ledger.creditor,
            customer=acme,
            amount_minor=10000,
            promised_on=date(2025, 11, 1),
            taken_on=date(2025, 10, 20),
            channel="call",
            status=status,
            settled_on=settled,
        )

    promise("kept", date(2025, 11, 2))
    promise("partly_kept", date(2025, 11, 5))
    promise("broken", date(2025, 11, 5))
    promise("broken", date(2025, 12, 10))
    promise("broken", date(2026, 1, 10))  # judged after the as-of date: not counted
    promise("pending", None)
    CallLog.objects.create(
        creditor=ledger.creditor,
        customer=acme,
        at=datetime(2025, 12, 1, 10, tzinfo=UTC),
        on=date(2025, 12, 1),
        outcome="plan_requested",
    )
    recompute(ledger.creditor, AS_OF)
    p = RiskProfile.objects.get(customer=acme)
    assert p.promises_kept_ratio == Decimal("0.250")  # 1 of the 4 judged by then
    assert p.segment == "avoider"
    assert ["%(n)s promises broken", {"n": "2"}] in p.segment_reasons
    # before any promise was judged the ratio is unknown, not zero
    recompute(ledger.creditor, date(2025, 10, 31))
    assert RiskProfile.objects.get(customer=acme).promises_kept_ratio is None
