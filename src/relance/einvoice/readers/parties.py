"""French company identifiers as EN 16931 files write them (scheme 0002 SIREN, 0009 SIRET)."""

from __future__ import annotations


def compact(value: str) -> str:
    return "".join(value.split()).replace(".", "").replace("-", "")


def french_ids(values: list[tuple[str, str]], country: str) -> tuple[str, str]:
    """(SIREN, SIRET) from (identifier, scheme) pairs: schemes 0002 (SIREN) / 0009 (SIRET),
    or no scheme for a French party. The length decides (some files put a SIRET under 0002)."""
    siren = siret = ""
    for raw, scheme in values:
        value = compact(raw)
        if not value.isdigit() or scheme not in ("0002", "0009", ""):
            continue
        if not scheme and country not in ("", "FR"):
            continue
        if len(value) == 14:
            siret = siret or value
        elif len(value) == 9:
            siren = siren or value
    if not siren and len(siret) == 14:
        siren = siret[:9]
    return siren, siret
