"""The readers, the report and the mention check are pure Python: no Django import."""

from __future__ import annotations

import subprocess
import sys


def test_readers_import_no_django() -> None:
    code = (
        "import sys, relance.einvoice.readers, relance.einvoice.report, relance.domain.mentions;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
