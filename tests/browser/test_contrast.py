"""The contrast check the browser tests rely on (`low_contrast`) finds what it must."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.mark.browser
def test_low_contrast_finds_faint_text_and_passes_readable_text(
    chromium: Any, low_contrast: Callable[[Any], list[str]]
) -> None:
    page = chromium.new_page()
    page.set_content(
        """<body style="background:#ffffff">
        <p style="color:#999999">faint grey on white</p>
        <p style="color:#767676">the lightest grey that passes on white</p>
        <h1 style="color:#949494;font-size:24px">large grey title</h1>
        <div style="background:rgba(0,0,0,0.5)">
          <span style="color:#333333">dark on dimmed</span>
        </div>
        <p style="color:#ffffff;background:#0b5cad">white on blue</p>
        <p style="color:#000000;display:none">hidden</p>
        </body>"""
    )
    found = low_contrast(page)
    assert [item.split(":")[0] for item in found] == [
        'p "faint grey on white"',
        'span "dark on dimmed"',
    ]
    assert found[0].endswith("2.85 < 4.5")
