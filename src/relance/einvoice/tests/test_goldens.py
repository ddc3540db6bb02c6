"""Every public sample in ../shared/data/einvoice reads as its golden report says, or fails
with the golden error. Goldens hold the summary and findings only, never the files.

Regenerate after a deliberate change: RELANCE_UPDATE_GOLDENS=1 pytest this file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from relance.domain.mentions import check
from relance.einvoice.readers import EInvoiceError, read_file
from relance.einvoice.report import report
from relance.testing import shared_data

GOLDENS = Path(__file__).resolve().parent / "goldens"
FOLDERS = ("cii", "facturx", "ubl", "zugferd")


def result_for(path: Path) -> dict[str, Any]:
    try:
        inv, file_format = read_file(path)
    except EInvoiceError as exc:
        return {"error": {"code": exc.code, "message": str(exc)}}
    return {"format": file_format, **report(inv, check(inv), "en")}


def test_every_sample_has_a_golden() -> None:
    root = shared_data("einvoice")
    names = {p.name for f in FOLDERS for p in (root / f).iterdir() if p.is_file()}
    goldens = {p.name.removesuffix(".json") for p in GOLDENS.glob("*.json")}
    assert names == goldens


@pytest.mark.parametrize(
    "name", sorted(p.name.removesuffix(".json") for p in GOLDENS.glob("*.json"))
)
def test_sample_matches_its_golden(name: str) -> None:
    root = shared_data("einvoice")
    path = next((root / f / name for f in FOLDERS if (root / f / name).is_file()), None)
    assert path is not None, f"{name} is gone from the shared data"
    got = result_for(path)
    golden = GOLDENS / f"{name}.json"
    if os.environ.get("RELANCE_UPDATE_GOLDENS"):
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8"))
