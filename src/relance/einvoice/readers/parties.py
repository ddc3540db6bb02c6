"""French company identifiers as EN 16931 files write them (scheme 0002 SIREN, 0009 SIRET)."""

from __future__ import annotations


def compact(value: str) -> str:
    return "".join(value.split()).replace(".", "").replace("-", "")


def french_ids(values: list[tuple[str, str]], country: str) -> tuple[str, str]:
    """(SIREN, SIRET) from (identifier, scheme) pairs: schemes 0002 / 0009, or 9 / 14 digits
    without a scheme for a French party."""
    siren = siret = ""
    for raw, scheme in values:
        value = compact(raw)
        if not value.isdigit():
            continue
        if scheme == "0009" or (not scheme and len(value) == 14 and country in ("", "FR")):
            siret = siret or value
        elif scheme == "0002" or (not scheme and len(value) == 9 and country in ("", "FR")):
            siren = siren or value
    if not siren and len(siret) == 14:
        siren = siret[:9]
    return siren, siret
