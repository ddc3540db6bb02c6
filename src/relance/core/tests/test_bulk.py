"""insert_tuples: rows as tuples of the named columns, the other fields at their defaults."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from relance.core.bulk import insert_tuples
from relance.customers.models import Customer
from relance.dunning.models import Action, Holdback, Run
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


def test_a_row_the_database_refuses_is_a_django_error_and_nothing_stays(ledger: Ledger) -> None:
    """On PostgreSQL the rows go by COPY: a constraint broken by one row is Django's
    IntegrityError all the same, and the transaction around it keeps none of the rows."""
    run = Run.objects.create(creditor=ledger.creditor, as_of=date(2025, 4, 1))
    acme = ledger.customer("ACME")
    rows = [_action(run, acme, "email", "k-1"), _action(run, acme, "sms", "k-1")]  # same key
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_tuples(Action, ACTION_COLUMNS, rows)
    assert not Action.objects.exists()


ACTION_COLUMNS = (
    "run_id", "creditor_id", "customer_id", "currency", "as_of", "step_key", "step_offset",
    "channel", "tone", "kind", "status", "total_minor", "overdue_total_minor",
    "idempotency_key", "listed",
)  # fmt: skip


def _action(run: Run, customer: Customer, channel: str, key: str) -> tuple[object, ...]:
    day = connection.ops.adapt_datefield_value(run.as_of)
    return (
        run.pk, run.creditor_id, customer.pk, "EUR", day, "j+1", 1, channel, "courteous",
        "reminder", "planned", 1000, 1000, key, '[[7,"j+1",500]]',
    )  # fmt: skip


def test_json_and_timestamp_defaults_are_written_in_database_form(ledger: Ledger) -> None:
    run = Run.objects.create(creditor=ledger.creditor, as_of=date(2025, 4, 1))
    insert_tuples(Action, ACTION_COLUMNS, [_action(run, ledger.customer("ACME"), "email", "k")])
    action = Action.objects.get()
    assert action.listed == [[7, "j+1", 500]] and action.edits == []
    assert action.created_at is not None and action.attempts == 0
