"""In a real browser: the dashboards (charts, a CSV download) and the cash-in forecast."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from relance.accounts.models import Role
from relance.testing import Ledger


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboards_and_forecast(
    live_server: Any,
    chromium: Any,
    screenshots: Path,
    log_in: Callable[..., None],
    low_contrast: Callable[[Any], list[str]],
) -> None:
    led = Ledger.create("Atelier Tableaux SARL")
    led.user("nadia", Role.CREDIT_MANAGER)
    late = led.customer("Menuiserie Retard SAS", segment="artisans")
    paid = led.invoice(late, "F-TB-1", "800.00", issued="2025-01-10", due="2025-02-09")
    led.payment(late, "800.00", on="2025-02-25", pays=[paid])
    led.invoice(late, "F-TB-2", "2400.00", issued="2025-03-01", due="2025-03-31")

    page = chromium.new_page(locale="en-GB", accept_downloads=True)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    log_in(page, live_server.url, "nadia", "pw-relance-2025")
    page.get_by_role("link", name="Dashboards").first.click()
    page.wait_for_url("**/dashboards/")
    page.get_by_label("As of").fill("2025-04-15")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/dashboards/?as_of=2025-04-15")
    assert page.locator("svg[aria-labelledby=chart-overdue]").is_visible()
    segments = page.locator("#table-segments")
    assert "artisans" in segments.inner_text()
    page.screenshot(path=str(screenshots / "dashboards.png"), full_page=True)
    assert low_contrast(page) == []
    with page.expect_download() as download_info:
        segments.get_by_role("link", name="CSV").click()
    download = download_info.value
    assert download.suggested_filename == "segments-2025-04-15.csv"
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "artisans;2400.00;100.0" in content
    # the forecast: F-TB-2 is expected after the customer's habit (16 days late)
    page.get_by_role("link", name="Forecast").first.click()
    page.wait_for_url("**/forecast/")
    page.get_by_label("As of").fill("2025-03-20")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/forecast/?as_of=2025-03-20")
    row = page.locator("#forecast-invoices tr", has_text="F-TB-2")
    assert "16/04/2025" in row.inner_text() or "16 Apr 2025" in row.inner_text()
    page.screenshot(path=str(screenshots / "forecast.png"), full_page=True)
    assert low_contrast(page) == []
    violations = [text for text in console if "Content Security Policy" in text]
    assert not violations, violations
