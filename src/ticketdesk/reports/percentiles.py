"""Medians and p90 computed in the database, never by loading rows into Python.

PostgreSQL: percentile_cont(f) WITHIN GROUP (ORDER BY col). SQLite: count, then read the one
or two rows around the rank with ORDER BY col LIMIT 2 OFFSET k and interpolate exactly as
percentile_cont does. When the filters only touch the covering index of that column
(`index=`), SQLite is told to walk it in value order (INDEXED BY): no sort, no table access.
"""

from __future__ import annotations

import math
from typing import Any

from django.db import connection
from django.db.models import Aggregate, FloatField, QuerySet


class PercentileCont(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


def _hinted(qs: QuerySet[Any], index: str | None) -> tuple[str, list[Any]] | None:
    """The SQL of `qs` with `INDEXED BY index` on its only table (SQLite), or None."""
    if not index or connection.vendor != "sqlite":
        return None
    sql, params = qs.query.sql_with_params()
    table = f'FROM "{qs.model._meta.db_table}"'
    if sql.count(table) != 1 or " JOIN " in sql:
        return None
    return sql.replace(table, f'{table} INDEXED BY "{index}"'), list(params)


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def percentiles_of(
    qs: QuerySet[Any],
    columns: dict[str, tuple[float, ...]],
    indexes: dict[str, str | None] | None = None,
) -> dict[str, list[float | None]]:
    """Several columns at once: one aggregate query on PostgreSQL (percentile_cont ignores
    NULLs), one walk per column on SQLite."""
    if connection.vendor == "postgresql":
        names = {
            f"{column}__{i}": PercentileCont(column, fraction)
            for column, fractions in columns.items()
            for i, fraction in enumerate(fractions)
        }
        result = qs.order_by().aggregate(**names)
        return {
            column: [result[f"{column}__{i}"] for i in range(len(fractions))]
            for column, fractions in columns.items()
        }
    indexes = indexes or {}
    return {
        column: percentiles(qs, column, fractions, index=indexes.get(column))
        for column, fractions in columns.items()
    }


def percentiles(
    qs: QuerySet[Any], column: str, fractions: tuple[float, ...], *, index: str | None = None
) -> list[float | None]:
    """The `fractions` percentiles (0..1) of `column` over `qs` (NULLs ignored)."""
    qs = qs.filter(**{f"{column}__isnull": False}).order_by()
    if connection.vendor == "postgresql":
        names = {f"p{i}": PercentileCont(column, fraction) for i, fraction in enumerate(fractions)}
        result = qs.aggregate(**names)
        return [result[f"p{i}"] for i in range(len(fractions))]
    counted = _hinted(qs.values_list(column), index)
    if counted is not None:
        sql = f"SELECT COUNT(*) FROM ({counted[0]})"  # noqa: S608 - Django's SQL, bound params
        count = int(_fetch(sql, counted[1])[0][0])
    else:
        count = qs.count()
    if not count:
        return [None for _ in fractions]
    ordered = qs.order_by(column).values_list(column)
    out: list[float | None] = []
    for fraction in fractions:
        rank = fraction * (count - 1)
        low = math.floor(rank)
        window = ordered[low : low + 2]
        hinted = _hinted(window, index)
        rows = _fetch(*hinted) if hinted is not None else list(window)
        values = [row[0] for row in rows]
        if len(values) == 1 or rank == low:
            out.append(float(values[0]))
        else:
            out.append(values[0] + (values[1] - values[0]) * (rank - low))
    return out
