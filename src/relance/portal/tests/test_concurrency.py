"""Concurrent writers (PostgreSQL): a payment notified twice at once is booked once; request
counters count every request; one link per message when two workers render it at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from relance.ledger.models import Payment
from relance.portal.links import link_for_message, token_of
from relance.portal.models import Checkout, PortalLink, RateCounter
from relance.portal.payments.base import ConfirmedPayment
from relance.portal.payments.services import settle
from relance.portal.ratelimit import hit
from relance.testing import Ledger

THREADS = 4


def _together(work: Callable[[], Any]) -> tuple[list[Any], list[BaseException]]:
    start = threading.Barrier(THREADS)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            results.append(work())
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.fixture
def postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (RELANCE_TEST_DATABASE_URL)")


@pytest.mark.django_db(transaction=True)
def test_a_payment_notified_at_once_several_times_is_booked_once(postgres: None) -> None:
    led = Ledger.create()
    customer = led.customer("ACME")
    invoice = led.invoice(customer, "F-1", "100.00", issued="2025-03-01", due="2025-03-31")
    Checkout.objects.create(
        creditor=led.creditor,
        customer=customer,
        provider="stripe",
        reference="ref-1",
        provider_ref="cs_test_1",
        url="https://checkout.example/cs_test_1",
        currency="EUR",
        amount_minor=10000,
        invoice_ids=[invoice.pk],
    )
    confirmed = ConfirmedPayment("cs_test_1", "pi_1", 10000, "EUR", date(2025, 4, 2))
    results, errors = _together(lambda: settle("stripe", confirmed))
    assert errors == []
    assert Payment.objects.count() == 1
    assert {r.pk for r in results} == {Payment.objects.get().pk}
    invoice.refresh_from_db()
    assert invoice.open_minor == 0


@pytest.mark.django_db(transaction=True)
def test_request_counters_count_every_request(postgres: None) -> None:
    now = timezone.now()
    results, errors = _together(lambda: [hit("ip:203.0.113.9", 600, now) for _ in range(5)])
    assert errors == []
    assert RateCounter.objects.get().count == THREADS * 5
    assert sorted(c for r in results for c in r) == list(range(1, THREADS * 5 + 1))


@pytest.mark.django_db(transaction=True)
def test_one_link_per_message_when_rendered_at_once(postgres: None) -> None:
    led = Ledger.create()
    customer = led.customer("ACME")
    results, errors = _together(lambda: token_of(link_for_message(customer, "message-1")))
    assert errors == []
    assert len(set(results)) == 1
    assert PortalLink.objects.count() == 1
