"""The profile declared by a file (BT-24 specification identifier) and the operation category
declared by the French billing framework (BT-23, "cadre de facturation": B… goods, S…
services, M… both)."""

from __future__ import annotations

from relance.domain.einvoice import Category, Profile

#: Checked in order: the most specific identifiers first (they all contain the EN 16931 one).
_MARKERS: tuple[tuple[str, Profile], ...] = (
    ("extended-ctc-fr", Profile.EXTENDED_CTC_FR),
    ("xrechnung", Profile.XRECHNUNG),
    ("urn:ferd:", Profile.ZUGFERD_1),
    ("factur-x.eu:1p0:minimum", Profile.MINIMUM),
    ("factur-x.eu:1p0:basicwl", Profile.BASIC_WL),
    (":basicwl", Profile.BASIC_WL),
    ("factur-x.eu:1p0:basic", Profile.BASIC),
    (":extended", Profile.EXTENDED),
    (":basic", Profile.BASIC),
    ("peppol.eu", Profile.PEPPOL),
    ("urn:cen.eu:en16931:2017", Profile.EN16931),
)


def profile_of(identifier: str) -> Profile:
    ident = identifier.strip().lower()
    for marker, profile in _MARKERS:
        if marker in ident:
            return profile
    return Profile.UNKNOWN


_CATEGORY = {"B": Category.GOODS, "S": Category.SERVICES, "M": Category.MIXED}


def category_of(business_process: str) -> Category | None:
    """ "S1" → services; a Peppol or other URN → None (not a French billing framework)."""
    code = business_process.strip().upper()
    if len(code) == 2 and code[0] in _CATEGORY and code[1].isdigit():
        return _CATEGORY[code[0]]
    return None
