"""In a real browser: the debtor portal opened from a reminder as the worker sent it.

The dunning run and the worker's dispatch send a reminder to the capture backend; the
personal link is read out of the captured message and opened in Chromium: the invoices,
a promise confirmed with the one-time code read from the captured email, a dispute with
an attachment, a payment plan within the portal margin (active at once, its agreement PDF
downloaded), then a tampered and an expired link refused. On a 360 px wide phone, the
home page (invoices, plans, and penalties when the rate tables cover the day) fits the
screen: no horizontal scrolling.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from relance.channels.models import CapturedMessage
from relance.dunning.outbox import dispatch
from relance.dunning.services import plan_run
from relance.negotiation.models import PaymentPlan, PlanStatus, Promise
from relance.negotiation.plans import equal_instalments, propose_plan
from relance.portal.links import issue_link, token_of
from relance.portal.models import PortalLink, PortalRequest
from relance.testing import Ledger

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _latest_code() -> str:
    body = (
        CapturedMessage.objects.filter(idempotency_key__startswith="portal-code:").latest("id").body
    )
    found = re.search(r"\b(\d{6})\b", body)
    assert found, body
    return found.group(1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_portal_from_a_captured_reminder(
    live_server: Any,
    chromium: Any,
    screenshots: Path,
    settings: Any,
    tmp_path: Path,
    low_contrast: Callable[[Any], list[str]],
) -> None:
    settings.RELANCE_PORTAL_URL = live_server.url
    settings.RELANCE_PORTAL_UPLOAD_DIR = tmp_path / "uploads"
    settings.RELANCE_CHANNELS = ""
    today = timezone.localdate()
    led = Ledger.create(
        "Atelier Portail SARL",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
        email="compta@portail.example",
        phone="04 72 00 00 00",
    )
    customer = led.customer(
        "Menuiserie Dupuis SAS", address_line1="8 quai Fulchiron", postal_code="69005", city="Lyon"
    )
    led.contact(
        customer,
        "claire.dupuis@dupuis.example",
        first_name="Claire",
        last_name="Dupuis",
        is_primary_billing=True,
    )
    led.invoice(
        customer,
        "F-PORT-1",
        "1840.00",
        issued=today - timedelta(days=75),
        due=today - timedelta(days=45),
    )
    led.invoice(
        customer,
        "F-PORT-2",
        "620.50",
        issued=today - timedelta(days=40),
        due=today - timedelta(days=10),
    )

    # the real run and the worker's dispatch, to the capture backend
    plan_run(led.creditor, today)
    assert dispatch()["sent"] == 1
    reminder = CapturedMessage.objects.get(recipient="claire.dupuis@dupuis.example")
    found = re.search(re.escape(live_server.url) + r"/p/[0-9]+-[a-z2-7]{32}/", reminder.body)
    assert found, reminder.body
    url = found.group(0)

    page = chromium.new_page(locale="fr-FR")
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", level=1).inner_text() == "Votre compte"
    main = page.locator("main").inner_text()
    assert "F-PORT-1" in main and "F-PORT-2" in main and "Menuiserie Dupuis SAS" in main
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.screenshot(path=str(screenshots / "portal-home-fr.png"), full_page=True)
    assert low_contrast(page) == []

    # English, then the transfer details with the QR code
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Pay", exact=True).click()
    assert "FR7630006000011234567890189" in page.locator("main").inner_text()
    page.wait_for_load_state("load")
    assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
    assert page.evaluate("document.querySelector('figure.qr img').naturalWidth") > 0
    page.screenshot(path=str(screenshots / "portal-pay.png"), full_page=True)
    assert low_contrast(page) == []

    # a promise: the code first, read from the captured email
    page.get_by_role("link", name="Your account").click()
    page.get_by_role("link", name="Promise to pay by a date").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm it is you"
    page.get_by_role("button", name="Send me a code").click()
    assert "c…s@dupuis.example" in page.locator("main").inner_text()
    page.get_by_label("Code received by email").fill(_latest_code())
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Promise to pay by a date"
    page.get_by_label(re.compile("Invoice F-PORT-1")).check()
    page.get_by_label("Amount you will pay").fill("1840")
    page.get_by_label("By").fill(str(today + timedelta(days=14)))
    page.screenshot(path=str(screenshots / "portal-promise.png"), full_page=True)
    assert low_contrast(page) == []
    page.get_by_role("button", name="Promise").click()
    assert "Your promise to pay" in page.locator("main").inner_text()
    promise = Promise.objects.get()
    assert promise.channel == "portal" and promise.amount_minor == 184000

    # a dispute with a document
    page.get_by_role("link", name="Back to your account").click()
    page.get_by_role("link", name="Dispute an invoice").click()
    page.get_by_label(re.compile("Invoice F-PORT-2")).check()
    page.get_by_label("Reason").select_option("quantity")
    page.get_by_label("What is wrong").fill("Two doors of the order were never delivered.")
    page.get_by_label("Documents (optional)").set_input_files(
        [{"name": "bon-de-livraison.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.screenshot(path=str(screenshots / "portal-dispute.png"), full_page=True)
    assert low_contrast(page) == []
    page.get_by_role("button", name="Send the dispute").click()
    assert "Your dispute is recorded" in page.locator("main").inner_text()

    # a payment-plan request, on a phone-sized screen
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Back to your account").click()
    page.screenshot(path=str(screenshots / "portal-home-mobile.png"), full_page=True)
    page.get_by_role("link", name="Ask for a payment plan").click()
    page.get_by_label(re.compile("Invoice F-PORT-2")).check()
    page.get_by_label("Number of monthly instalments").select_option("3")
    page.get_by_label("First instalment on").fill(str(today + timedelta(days=7)))
    page.get_by_role("button", name="Send the request").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your payment plan is agreed"
    assert page.get_by_role("table").get_by_role("row").count() == 4  # headings and 3 rows
    page.screenshot(path=str(screenshots / "portal-plan-agreed.png"), full_page=True)
    assert low_contrast(page) == []
    plan = PaymentPlan.objects.get()
    assert plan.status == PlanStatus.ACTIVE and plan.channel == "portal"
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the agreement (PDF)").click()
    assert Path(download.value.path()).read_bytes() == bytes(plan.agreements.get().pdf)
    kinds = sorted(PortalRequest.objects.values_list("kind", flat=True))
    assert kinds == ["dispute", "plan"]

    # a tampered link, then an expired one
    token = url.rstrip("/").rsplit("/", 1)[1]
    tampered = url.replace(token, token[:-1] + ("a" if token[-1] != "a" else "b"))
    page.goto(tampered)
    assert page.get_by_role("heading", level=1).inner_text() in (
        "This link is not valid",
        "Ce lien n'est pas valable",
    )
    assert "F-PORT-1" not in page.content()
    page.screenshot(path=str(screenshots / "portal-tampered.png"), full_page=True)
    assert low_contrast(page) == []
    PortalLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    page.goto(url)
    assert "F-PORT-1" not in page.content()
    assert page.get_by_role("heading", level=1).inner_text() in (
        "This link is not valid",
        "Ce lien n'est pas valable",
    )
    page.screenshot(path=str(screenshots / "portal-expired.png"), full_page=True)
    assert low_contrast(page) == []
    violations = [text for text in console if "Content Security Policy" in text]
    assert not violations, violations


def _overflow(page: Any) -> tuple[int, int]:
    """The page's scroll width and the viewport's width (CSS pixels)."""
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return int(scroll), int(client)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_portal_home_fits_a_phone(
    live_server: Any, chromium: Any, screenshots: Path, settings: Any
) -> None:
    settings.RELANCE_PORTAL_URL = live_server.url
    settings.RELANCE_CHANNELS = ""
    today = timezone.localdate()
    led = Ledger.create("Atelier Portail SARL", iban="FR7630006000011234567890189")
    customer = led.customer("Établissements Menuiserie Dupuis et Fils SAS", city="Lyon")
    led.contact(customer, "claire.dupuis@dupuis.example", is_primary_billing=True)
    for n, (amount, late) in enumerate(
        [("184 000.00", 95), ("620.50", 45), ("12 345 678.90", 10), ("99.99", -20)], start=1
    ):
        led.invoice(
            customer,
            f"F-2026-LONG-NUMBER-{n:04d}",
            amount.replace(" ", ""),
            issued=today - timedelta(days=late + 30),
            due=today - timedelta(days=late),
        )
    first = led.invoice(customer, "F-PLAN-1", "900.00", issued=today, due=today)
    propose_plan(
        customer,
        invoices=[first.pk],
        instalments=equal_instalments(90000, 3, today + timedelta(days=5)),
        agreed_on=today,
    )
    url = f"{live_server.url}/p/{token_of(issue_link(customer))}/"

    page = chromium.new_page(locale="fr-FR", viewport={"width": 360, "height": 740})
    page.goto(url)
    main = page.locator("main").inner_text()
    assert "F-2026-LONG-NUMBER-0001" in main and "Vos échéanciers" in main
    page.screenshot(path=str(screenshots / "portal-home-360.png"), full_page=True)
    scroll_width, client_width = _overflow(page)
    assert scroll_width <= client_width, (scroll_width, client_width)
    # every amount is on screen; the column names head each stacked cell
    for cell in page.locator("table.stack td").all():
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    label = page.locator("table.stack td.num").first.evaluate(
        "cell => getComputedStyle(cell, '::before').content"
    )
    assert label == '"Montant"'
    # still a table to assistive technologies: rows, column headers and cells
    snapshot = page.locator("table.stack").first.aria_snapshot()
    assert "- row " in snapshot and "- columnheader " in snapshot and "- cell " in snapshot
    # the wide layout is unchanged: one line per invoice, the headings shown
    page.set_viewport_size({"width": 1280, "height": 800})
    heading = page.locator("table.stack thead").first.bounding_box()
    assert heading is not None and heading["height"] > 5
    assert _overflow(page)[0] <= _overflow(page)[1]
