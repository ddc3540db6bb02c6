"""Every shared camt, OFX and CFONB file reads as its golden report says, or fails as it says.

The goldens are small JSON summaries in golden/ (never the files themselves).
Set RELANCE_UPDATE_GOLDEN=1 to write them again after a deliberate change, and
read the diff before committing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from relance.banking.readers.base import StatementError
from relance.banking.readers.registry import detect, get_reader
from relance.banking.tests.summary import summary
from relance.testing import shared_data

GOLDEN = Path(__file__).parent / "golden"

FILES = {
    "camt": sorted(p.name for p in GOLDEN.glob("camt__*.json")),
    "ofx": sorted(p.name for p in GOLDEN.glob("ofx__*.json")),
    "cfonb": sorted(p.name for p in GOLDEN.glob("cfonb__*.json")),
}
SHARED_FOLDERS = {"camt": "camt", "ofx": "ofx", "cfonb": "camt/cfonb120"}


def _golden_name(kind: str, path: Path) -> str:
    return f"{kind}__{path.name}.json"


def _report(kind: str, path: Path) -> dict[str, object]:
    data = path.read_bytes()
    try:
        return {
            "detected": detect(data),
            "statements": summary(get_reader(kind).read(data, path.name)),
        }
    except StatementError as exc:
        return {"detected": detect(data), "error": exc.as_dict()}


def _shared_files(kind: str) -> list[Path]:
    folder = shared_data(SHARED_FOLDERS[kind])
    patterns = {"camt": "*.xml", "ofx": "*.ofx", "cfonb": "*.txt"}
    return sorted(folder.glob(patterns[kind]))


@pytest.mark.parametrize("kind", ["camt", "ofx", "cfonb"])
def test_every_shared_file_has_a_golden(kind: str) -> None:
    files = _shared_files(kind)
    assert files, f"no shared {kind} file"
    names = {_golden_name(kind, p) for p in files}
    if os.environ.get("RELANCE_UPDATE_GOLDEN"):
        for path in files:
            report = _report(kind, path)
            text = json.dumps(report, ensure_ascii=False, indent=1) + "\n"
            (GOLDEN / _golden_name(kind, path)).write_text(text, encoding="utf-8")
    missing = names - {p.name for p in GOLDEN.glob(f"{kind}__*.json")}
    assert not missing, f"shared files without a golden report: {sorted(missing)}"


@pytest.mark.parametrize(
    ("kind", "golden"),
    [(kind, name) for kind, names in FILES.items() for name in names],
)
def test_shared_file_matches_golden(kind: str, golden: str) -> None:
    name = golden.removeprefix(f"{kind}__").removesuffix(".json")
    path = shared_data(f"{SHARED_FOLDERS[kind]}/{name}")
    expected = json.loads((GOLDEN / golden).read_text(encoding="utf-8"))
    assert _report(kind, path) == expected


def test_files_meant_to_fail_fail_with_a_specific_error() -> None:
    """SOURCES.md names them: the ofxparse fail_* files and the CFONB detail without operation."""
    for kind, name, field in [
        ("ofx", "ofxparse_fail_date_missing.ofx", "DTPOSTED"),
        ("ofx", "ofxparse_fail_decimal_error.ofx", "DTPOSTED"),
        ("cfonb", "cfonb120_operation_detail_without_operation.txt", "05"),
    ]:
        path = shared_data(f"{SHARED_FOLDERS[kind]}/{name}")
        with pytest.raises(StatementError) as caught:
            get_reader(kind).read(path.read_bytes(), name)
        assert caught.value.field == field
        assert caught.value.where.startswith("line ")
        assert caught.value.file == name
