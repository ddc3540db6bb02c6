"""insert_tuples: rows as tuples of the named columns, the other fields at their defaults."""

from __future__ import annotations

from datetime import date

import pytest

from relance.core.bulk import insert_tuples
from relance.dunning.models import Holdback, Run
from relance.testing import Ledger

pytestmark = pytest.mark.django_db


def test_rows_take_defaults_for_the_fields_not_named(ledger: Ledger) -> None:
    run = Run.objects.create(creditor=ledger.creditor, as_of=date(2025, 4, 1))
    acme = ledger.customer("ACME")
    count = insert_tuples(
        Holdback,
        ("run_id", "customer_id", "currency", "step_key", "reason"),
        [(run.pk, acme.pk, "EUR", "j+1", "paused"), (run.pk, acme.pk, "", "", "no policy")],
        batch=1,
    )
    assert count == 2
    rows: list[tuple[object, ...]] = list(
        Holdback.objects.order_by("pk").values_list("reason", "invoice_id", "currency")
    )
    assert rows == [("paused", None, "EUR"), ("no policy", None, "")]


def test_an_unknown_column_is_refused_before_anything_is_written() -> None:
    with pytest.raises(ValueError, match="Holdback has no field colour"):
        insert_tuples(Holdback, ("run_id", "colour"), [(1, "red")])
    assert not Holdback.objects.exists()
