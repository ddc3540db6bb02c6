"""Fast inserts of many rows: one executemany, no model instances, defaults from the model.

Used where rows are counted in hundreds of thousands (imports, the dunning run): Django's
bulk_create builds a model instance and compiles SQL per row, which costs more than the
database work itself.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone


def bulk_insert(
    model: type[models.Model], rows: Iterable[dict[str, Any]], batch: int = 5000
) -> int:
    """INSERT rows (dicts of attribute names) with executemany, `batch` rows at a time.

    Missing fields take the model's default; auto_now(_add) timestamps are set to now;
    dates and datetimes are adapted for the database. Returns the number of rows.
    """
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "generated", False)
    ]
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
        qn(model._meta.db_table),
        ", ".join(qn(str(f.column)) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
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
    count = 0
    params: list[Any] = []
    with connection.cursor() as cursor:
        for row in rows:
            merged = base.copy()
            merged.update(row)
            for name, adapter in adapt:
                value = merged[name]
                if value is not None:
                    merged[name] = adapter(value)
            params.append(getter(merged))
            if len(params) >= batch:
                cursor.executemany(sql, params)
                count += len(params)
                params = []
        if params:
            cursor.executemany(sql, params)
            count += len(params)
    return count


def insert_tuples(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    batch: int = 5000,
) -> int:
    """INSERT rows given as tuples of `columns` (attribute names), `batch` rows at a time.

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
    tail = tuple(
        now
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
        else f.get_db_prep_save(f.get_default(), connection)
        for f in rest
    )
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    qn = connection.ops.quote_name
    names = [str(by_name[name].column) for name in given] + [str(f.column) for f in rest]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
        qn(model._meta.db_table),
        ", ".join(qn(name) for name in names),
        ", ".join(["%s"] * len(names)),
    )
    count = 0
    params: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for row in rows:
            params.append(row + tail if tail else row)
            if len(params) >= batch:
                cursor.executemany(sql, params)
                count += len(params)
                params = []
        if params:
            cursor.executemany(sql, params)
            count += len(params)
    return count
