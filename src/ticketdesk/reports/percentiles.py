"""Medians and p90 computed in the database, never by loading rows into Python.

PostgreSQL: percentile_cont(f) WITHIN GROUP (ORDER BY col). SQLite: one query per column
numbers the rows in value order (ROW_NUMBER() and COUNT(*) as window functions), keeps the
one or two rows around each rank and interpolates exactly as percentile_cont does. When the
filters only touch the covering index of that column (`index=`), SQLite is told to walk it
in value order (INDEXED BY): no sort, no table access.
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
    # one query: number the rows in value order and keep the one or two around each rank
    inner = qs.values_list(column)
    hinted = _hinted(inner, index)
    sql, params = hinted if hinted is not None else inner.query.sql_with_params()
    name = connection.ops.quote_name(column)
    wanted = " OR ".join(
        f"rn IN (CAST({float(f)!r} * (n - 1) AS INTEGER) + 1, "
        f"CAST({float(f)!r} * (n - 1) AS INTEGER) + 2)"
        for f in fractions
    )
    query = (
        f"SELECT rn, n, v FROM (SELECT s.{name} AS v, ROW_NUMBER() OVER (ORDER BY s.{name}) "  # noqa: S608
        f"AS rn, COUNT(*) OVER () AS n FROM ({sql}) AS s) WHERE {wanted}"
    )
    rows = _fetch(query, list(params))
    if not rows:
        return [None for _ in fractions]
    count = int(rows[0][1])
    values = {int(rn): value for rn, _n, value in rows}
    out: list[float | None] = []
    for fraction in fractions:
        rank = float(fraction) * (count - 1)
        low = math.floor(rank)
        first = values[low + 1]
        following = values.get(low + 2)
        if rank == low or following is None:
            out.append(float(first))
        else:
            out.append(first + (following - first) * (rank - low))
    return out
