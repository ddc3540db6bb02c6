"""Fixtures of the portal tests: a creditor with a customer, its contact and open invoices,
another customer and another creditor (for the scoping tests), and a link."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from relance.customers.models import Customer
from relance.ledger.models import Invoice
from relance.portal.links import issue_link, token_of
from relance.portal.models import PortalLink
from relance.portal.ratelimit import LIMITS
from relance.portal.tests.stripe_server import SECRET_KEY, WHSEC, FakeStripe
from relance.testing import Ledger

PORTAL = "http://testserver"


@dataclass
class Portal:
    led: Ledger
    acme: Customer
    late: Invoice
    soon: Invoice
    other: Customer
    other_invoice: Invoice
    foreign_invoice: Invoice  # of another creditor
    link: PortalLink
    today: date

    @property
    def token(self) -> str:
        return token_of(self.link)

    def url(self, rest: str = "") -> str:
        return f"/p/{self.token}/{rest}"


@pytest.fixture(autouse=True)
def portal_settings(settings: Any, tmp_path: Any) -> None:
    settings.RELANCE_PORTAL_URL = PORTAL
    settings.RELANCE_PORTAL_UPLOAD_DIR = tmp_path / "uploads"
    settings.RELANCE_PAYMENT_PROVIDER = ""
    settings.RELANCE_CHANNELS = ""


@pytest.fixture
def portal(ledger: Ledger) -> Portal:
    today = timezone.localdate()
    creditor = ledger.creditor
    creditor.iban = "FR7630006000011234567890189"
    creditor.bic = "AGRIFRPP"
    creditor.email = "compta@durand.example"
    creditor.save()
    acme = ledger.customer(
        "ACME SAS", address_line1="3 rue Neuve", postal_code="69001", city="Lyon", language="en"
    )
    ledger.contact(
        acme,
        "jeanne.martin@acme.example",
        first_name="Jeanne",
        last_name="Martin",
        is_primary_billing=True,
        mobile="+33612345678",
    )
    late = ledger.invoice(
        acme, "F-100", "1200.00", issued=today - timedelta(days=60), due=today - timedelta(days=30)
    )
    soon = ledger.invoice(
        acme, "F-101", "300.00", issued=today - timedelta(days=5), due=today + timedelta(days=25)
    )
    other = ledger.customer("Autre SARL")
    other_invoice = ledger.invoice(
        other, "F-200", "99.00", issued=today - timedelta(days=60), due=today - timedelta(days=30)
    )
    foreign = Ledger.create("Autre Créancier SAS")
    stranger = foreign.customer("Client Étranger")
    foreign_invoice = foreign.invoice(
        stranger, "X-1", "50.00", issued=today - timedelta(days=60), due=today - timedelta(days=30)
    )
    return Portal(
        ledger, acme, late, soon, other, other_invoice, foreign_invoice, issue_link(acme), today
    )


@pytest.fixture
def verified(client: Client, portal: Portal) -> Client:
    """A browser that confirmed with a code for `portal.link`."""
    from relance.portal.access import mark_verified

    session = client.session
    request: Any = type("R", (), {"session": session})()
    mark_verified(request, portal.link)
    session.save()
    client.cookies["sessionid"] = session.session_key or ""
    return client


@pytest.fixture
def low_limits(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[int, int]]:
    lowered = dict(LIMITS)
    monkeypatch.setattr("relance.portal.ratelimit.LIMITS", lowered)
    return lowered


@pytest.fixture
def stripe(settings: Any) -> Iterator[FakeStripe]:
    """A local server playing Stripe, and the install-wide provider set to Stripe."""
    fake = FakeStripe()
    settings.RELANCE_PAYMENT_PROVIDER = "stripe"
    settings.RELANCE_STRIPE_SECRET_KEY = SECRET_KEY
    settings.RELANCE_STRIPE_WEBHOOK_SECRET = WHSEC
    settings.RELANCE_STRIPE_API_URL = fake.url
    yield fake
    fake.close()
