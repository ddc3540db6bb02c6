"""The "penalties as of" block on the invoice and customer pages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from relance.customers.models import CustomerKind
from relance.web.tests.conftest import AS_OF, World, login

pytestmark = pytest.mark.django_db

NNBSP = "\u202f"
NBSP = "\xa0"


def test_invoice_page_shows_interest_indemnity_total_and_segments(
    client: Client, world: World
) -> None:
    login(client, world.admin)
    html = client.get(
        reverse("invoice", args=[world.inv_bolt.pk]), {"as_of": AS_OF}
    ).content.decode()
    # 2400 due 1 Dec 2024, as of 31 Mar 2025: 2-31 Dec, 30 days at 14.25 % = 28.1096;
    # 1 Jan-31 Mar, 90 days at 13.15 % = 77.8192 → 105.93; + 40 → 145.93.
    assert "Penalties as of" in html
    assert "€105.93" in html and "€40.00" in html and "€145.93" in html
    assert "14.25 %" in html and "13.15 %" in html
    assert "Limitation: claim by" in html and "(5 years)" in html
    assert "not legal advice" in html


def test_customer_page_sums_the_late_invoices_paid_or_not(client: Client, world: World) -> None:
    login(client, world.admin)
    html = client.get(reverse("customer", args=[world.acme.pk]), {"as_of": AS_OF}).content.decode()
    # F-2025-001: 12345.67 × 13.15 % × 50 / 365 = 222.3912 → 222.39 (+ 40)
    # F-2025-002: paid 6 days late: 500 × 13.15 % × 6 / 365 = 1.0808 → 1.08 (+ 40)
    # F-2025-003 is not due yet.
    assert "€223.47" in html and "€80.00" in html and "€303.47" in html
    assert "Over 2 late invoices." in html


def test_invoice_not_late_has_no_penalties(client: Client, world: World) -> None:
    login(client, world.admin)
    paid_on_time = world.led.invoice(
        world.acme, "F-OK", "10.00", issued="2025-03-01", due="2025-04-30"
    )
    html = client.get(reverse("invoice", args=[paid_on_time.pk]), {"as_of": AS_OF}).content.decode()
    assert "No penalties: nothing was paid late." in html


def test_missing_rate_and_consumer_findings_are_shown(client: Client, world: World) -> None:
    login(client, world.admin)
    late = world.led.invoice(world.bolt, "F-2026", "10.00", issued="2026-06-01", due="2026-06-30")
    html = client.get(reverse("invoice", args=[late.pk]), {"as_of": "2026-07-15"}).content.decode()
    assert "fr-ecb has no rate for 2026-07-01" in html
    person = world.led.customer("Paul", kind=CustomerKind.B2C)
    mine = world.led.invoice(person, "F-B2C", "80.00", issued="2025-01-01", due="2025-01-31")
    html = client.get(reverse("invoice", args=[mine.pk]), {"as_of": AS_OF}).content.decode()
    assert "interest at the legal rate runs from the formal notice" in html
    assert "nothing was paid late" not in html
    assert "(2 years)" in html


def test_block_in_french(client: Client, world: World) -> None:
    login(client, world.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(
        reverse("invoice", args=[world.inv_bolt.pk]), {"as_of": AS_OF}
    ).content.decode()
    assert "Pénalités au" in html and "Indemnité forfaitaire" in html
    assert f"105,93{NBSP}€" in html
    assert "pas un conseil juridique" in html


def test_collector_cannot_see_another_customer_s_block(client: Client, world: World) -> None:
    login(client, world.alice)
    assert client.get(reverse("invoice", args=[world.inv_bolt.pk])).status_code == 404
