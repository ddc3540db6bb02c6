"""Names sort with accents and case ignored, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from relance.core.collation import by_name, name_key
from relance.customers.models import Customer
from relance.testing import Ledger

NAMES = ["Zébra SARL", "électricité Michel", "Atelier Dupont", "Éclairage du Nord", "Ébénisterie"]
EXPECTED = [
    "Atelier Dupont",
    "Ébénisterie",
    "Éclairage du Nord",
    "électricité Michel",
    "Zébra SARL",
]


def test_name_key_drops_accents_and_case() -> None:
    assert name_key("Électricité ÇA") == "electricite ca"
    assert name_key("Œuvre") == "œuvre"


@pytest.mark.django_db
def test_customers_sort_by_name_with_accents(ledger: Ledger) -> None:
    for name in NAMES:
        ledger.customer(name)
    names = list(Customer.objects.order_by(by_name()).values_list("legal_name", flat=True))
    assert names == EXPECTED
    backwards = Customer.objects.order_by(by_name(descending=True))
    assert list(backwards.values_list("legal_name", flat=True)) == EXPECTED[::-1]
