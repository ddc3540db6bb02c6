"""In a real browser: log in, open the customer list, open a customer.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright. Skipped when Chromium or
Playwright is absent, unless RELANCE_REQUIRE_BROWSER=1 (as in CI), where that is a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from relance.accounts.models import Role
from relance.testing import Ledger


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_then_open_a_customer(
    live_server: Any,
    chromium: Any,
    screenshots: Path,
    log_in: Callable[..., None],
    low_contrast: Callable[[Any], list[str]],
) -> None:
    led = Ledger.create("Atelier Navigateur SARL")
    user = led.user("nadia", Role.CREDIT_MANAGER)
    password = "pw-relance-2025"  # set by relance.testing.make_user
    assert user.check_password(password)
    customer = led.customer("Chaudronnerie Lumière SAS", siren="552100554")
    led.invoice(customer, "F-NAV-0042", "1234.56", issued="2025-01-10", due="2025-02-09")
    led.customer("Autre Client SARL")

    page = chromium.new_page(locale="en-GB")
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    log_in(page, live_server.url, "nadia", password)
    assert page.locator("svg.chart").is_visible()
    page.screenshot(path=str(screenshots / "overview.png"), full_page=True)
    assert low_contrast(page) == []
    page.get_by_role("link", name="Customers").first.click()
    page.wait_for_url("**/customers/")
    page.get_by_role("link", name="Chaudronnerie Lumière SAS").click()
    page.wait_for_url(f"**/customers/{customer.pk}/")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Chaudronnerie Lumière SAS"
    assert page.get_by_role("link", name="F-NAV-0042", exact=True).is_visible()
    assert "€1,234.56" in page.content()
    page.screenshot(path=str(screenshots / "customer.png"), full_page=True)
    assert low_contrast(page) == []
    # keyboard: the first Tab reaches the skip link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    # switch to French with the header's language buttons
    page.get_by_role("button", name="FR").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Factures ouvertes").is_visible()
    assert "1\u202f234,56\xa0€" in page.locator("main").inner_text()
    page.get_by_role("link", name="Clients").first.click()
    page.wait_for_url("**/customers/")
    page.screenshot(path=str(screenshots / "customers-fr.png"), full_page=True)
    assert low_contrast(page) == []
    # the reminders page: tomorrow's preview, in French
    page.get_by_role("link", name="Relances").first.click()
    page.wait_for_url("**/reminders/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Relances du")
    assert "Chaudronnerie Lumière SAS" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshots / "reminders-fr.png"), full_page=True)
    assert low_contrast(page) == []
    violations = [text for text in console if "Content Security Policy" in text]
    assert not violations, violations
