"""Recorded answers of recherche-entreprises, one JSON file per SIREN (`<siren>.json`).

Used offline, by the demo and by the tests. A SIREN without a file is unknown to
the registry (`lookup` answers None), as the live service would answer no result.
"""

from __future__ import annotations

import json
from pathlib import Path

from relance.risk.registry.base import (
    CompanyRecord,
    RegistryBackend,
    RegistryError,
    record_from_search,
)

DEFAULT_FOLDER = Path(__file__).with_name("recorded")


class Recorded(RegistryBackend):
    kind = "recorded"

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or DEFAULT_FOLDER

    def lookup(self, siren: str) -> CompanyRecord | None:
        if not (siren.isdigit() and len(siren) == 9):
            raise RegistryError(f"not a SIREN: {siren!r}", transient=False)
        path = self.folder / f"{siren}.json"
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise RegistryError(f"{path.name}: not JSON ({exc})", transient=False) from exc
        return record_from_search(siren, data)
