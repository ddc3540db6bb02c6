"""Sorting names as a reader expects: accents and case do not change the order.

"Électricité Michel" sorts with the E's, "de Launay" with the D's. PostgreSQL uses the ICU
root collation ``und-x-icu``; SQLite gets a collation ``relance_name`` registered on each
new connection (compares accent- and case-folded keys, then the raw text to break ties).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import connection
from django.db.models import F, OrderBy
from django.db.models.functions import Collate

SQLITE_COLLATION = "relance_name"
POSTGRES_COLLATION = "und-x-icu"


def name_key(text: str) -> str:
    """ "Électricité" → "electricite": decomposed, combining marks dropped, case-folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _compare(a: str, b: str) -> int:
    ka, kb = name_key(a), name_key(b)
    if ka != kb:
        return -1 if ka < kb else 1
    return (a > b) - (a < b)


def register(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created receiver: teach SQLite the name collation."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SQLITE_COLLATION, _compare)


def by_name(field: str = "legal_name", *, descending: bool = False) -> OrderBy:
    """An ORDER BY term sorting `field` by name_key (in the database)."""
    collation = POSTGRES_COLLATION if connection.vendor == "postgresql" else SQLITE_COLLATION
    term = Collate(F(field), collation)
    return term.desc() if descending else term.asc()
