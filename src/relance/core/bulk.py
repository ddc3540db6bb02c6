"""Fast inserts of many rows: no model instances, defaults from the model.

Used where rows are counted in hundreds of thousands (imports, the dunning run): Django's
bulk_create builds a model instance and compiles SQL per row, which costs more than the
database work itself. On SQLite the rows go through one `executemany` per batch; on
PostgreSQL through `COPY … FROM STDIN` (one statement for all the rows: `executemany`
sends one INSERT per row, and at a million rows its round trips and per-row parameter
handling cost several times the database's own work). Triggers and constraints apply to
COPY as to INSERT; errors come back as Django's database exceptions either way.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone


def bulk_insert(
    model: type[models.Model], rows: Iterable[dict[str, Any]], batch: int = 5000
) -> int:
    """Insert rows (dicts of attribute names), `batch` rows at a time on SQLite.

    Missing fields take the model's default; auto_now(_add) timestamps are set to now;
    dates and datetimes are adapted for the database. Returns the number of rows.
    """
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "generated", False)
    ]
    now = models.DateTimeField().get_db_prep_save(timezone.now(), connection)
    base: dict[str, Any] = {}
    adapt: list[tuple[str, Any]] = []
    for f in fields:
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
            base[f.attname] = now
            continue
        default = f.get_default()
        # A JSON default ([] or {}) is a Python value: the driver needs it encoded.
        json_default = isinstance(f, models.JSONField)
        base[f.attname] = f.get_db_prep_save(default, connection) if json_default else default
        if isinstance(f, models.DateTimeField):
            adapt.append((f.attname, connection.ops.adapt_datetimefield_value))
        elif isinstance(f, models.DateField):
            adapt.append((f.attname, connection.ops.adapt_datefield_value))
    getter = operator.itemgetter(*(f.attname for f in fields))

    def values() -> Iterator[tuple[Any, ...]]:
        for row in rows:
            merged = base.copy()
            merged.update(row)
            for name, adapter in adapt:
                value = merged[name]
                if value is not None:
                    merged[name] = adapter(value)
            yield getter(merged)

    return _write(model._meta.db_table, [str(f.column) for f in fields], values(), batch)


def insert_tuples(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    batch: int = 5000,
) -> int:
    """Insert rows given as tuples of `columns` (attribute names), `batch` at a time on SQLite.

    For the largest writes: no dict per row. The values must already be in database form
    (dates through `connection.ops.adapt_datefield_value`); the other fields take the
    model's default, auto_now(_add) timestamps are set to now. Returns the number of rows.
    """
    given = list(columns)
    rest = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "generated", False) and f.attname not in given
    ]
    unknown = set(given) - {f.attname for f in model._meta.concrete_fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    now = models.DateTimeField().get_db_prep_save(timezone.now(), connection)
    tail = tuple(_default(f, now) for f in rest)
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    names = [str(by_name[name].column) for name in given] + [str(f.column) for f in rest]
    return _write(
        model._meta.db_table, names, (row + tail for row in rows) if tail else rows, batch
    )


def _default(f: models.Field[Any, Any], now: Any) -> Any:
    """The database form of a field's default, for every row of an insert."""
    if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
        return now
    if isinstance(f, models.JSONField):
        # JSON text, encoded once (an adapter object would be encoded again for every row)
        return json.dumps(f.get_default(), cls=f.encoder)
    return f.get_db_prep_save(f.get_default(), connection)


def _write(table: str, columns: list[str], rows: Iterable[tuple[Any, ...]], batch: int) -> int:
    """Insert `rows` (tuples in the order of `columns`, values in database form)."""
    qn = connection.ops.quote_name
    names = ", ".join(qn(name) for name in columns)
    count = 0
    if connection.vendor == "postgresql":
        copy_sql = f"COPY {qn(table)} ({names}) FROM STDIN"
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(copy_sql) as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
        qn(table), names, ", ".join(["%s"] * len(columns))
    )
    params: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for row in rows:
            params.append(row)
            if len(params) >= batch:
                cursor.executemany(sql, params)
                count += len(params)
                params = []
        if params:
            cursor.executemany(sql, params)
            count += len(params)
    return count
