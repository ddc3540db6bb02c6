"""In a real browser: a collector logs in, lands on the worklist, follows a line to the
customer's timeline and filters it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from relance.negotiation.models import Note
from relance.negotiation.tests.factories import desk, promise
from relance.testing import Ledger


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_worklist_line_leads_to_the_timeline(
    live_server: Any, chromium: Any, screenshots: Path, low_contrast: Callable[[Any], list[str]]
) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    world = desk(Ledger.create("Atelier Liste SARL"))
    promise(
        world.acme,
        420_000,
        today - timedelta(days=3),
        status="broken",
        settled_on=today - timedelta(days=1),
    )
    promise(world.bolt, 100_000, today)  # Bob's customer: not on Alice's worklist
    Note.objects.create(
        creditor=world.led.creditor, customer=world.acme, text="Gérant joignable le matin"
    )

    page = chromium.new_page(locale="en-GB")
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("pw-relance-2025")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/worklist/")  # a collector lands on their worklist
    assert page.get_by_role("heading", level=1).inner_text() == "Worklist"
    table = page.locator("#worklist")
    assert "promise of €4,200.00 broken yesterday" in table.inner_text()
    assert "Boulonnerie" not in page.locator("main").inner_text()
    page.screenshot(path=str(screenshots / "worklist.png"), full_page=True)
    assert low_contrast(page) == []
    table.get_by_role("link", name="ACME Industries SAS", exact=True).click()
    page.wait_for_url(f"**/customers/{world.acme.pk}/timeline/")
    assert "Timeline of ACME Industries SAS" in page.get_by_role("heading", level=1).inner_text()
    events = page.locator("#timeline")
    assert "Promise of €4,200.00 broken" in events.inner_text()
    assert "Gérant joignable le matin" in events.inner_text()
    page.get_by_role("checkbox", name="notes", exact=True).check()
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/timeline/?kind=note**")
    assert "Promise of" not in page.locator("#timeline").inner_text()
    page.screenshot(path=str(screenshots / "timeline.png"), full_page=True)
    assert low_contrast(page) == []
    violations = [text for text in console if "Content Security Policy" in text]
    assert not violations, violations
