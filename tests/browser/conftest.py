"""Fixtures of the browser tests: Debian's Chromium driven by Playwright.

Skipped when Chromium or Playwright is absent, unless RELANCE_REQUIRE_BROWSER=1 (as in CI),
where that is a failure. Screenshots go to artifacts/screenshots (kept by CI).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The live server runs in a thread while Playwright's sync API runs an event loop here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _missing(reason: str) -> NoReturn:
    if os.environ.get("RELANCE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and RELANCE_REQUIRE_BROWSER=1 requires the browser tests to run")
    pytest.skip(reason)


@pytest.fixture
def chromium() -> Iterator[Any]:
    """A launched headless Chromium (Playwright `Browser`), closed after the test."""
    if not CHROMIUM.exists():
        _missing("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        _missing("Playwright is not installed (pip install -e '.[dev]')")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def screenshots() -> Path:
    """Where screenshots go (CI keeps the folder as an artefact)."""
    return SCREENSHOTS


def _log_in(page: Any, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


@pytest.fixture
def log_in() -> Callable[[Any, str, str, str], None]:
    """log_in(page, base_url, username, password): through the login form."""
    return _log_in
