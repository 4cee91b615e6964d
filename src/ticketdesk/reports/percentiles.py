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
    NULLs), one windowed query on SQLite (one walk per column where an index is named)."""
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
    if len(columns) == 1 or any(indexes.get(column) for column in columns):
        return {
            column: percentiles(qs, column, fractions, index=indexes.get(column))
            for column, fractions in columns.items()
        }
    return _windowed(qs, columns)


def _targets(rank: str, count: str, fractions: tuple[float, ...]) -> str:
    """SQL: `rank` is one of the one or two row numbers around each fraction's rank."""
    return " OR ".join(
        f"{rank} IN (CAST({float(f)!r} * ({count} - 1) AS INTEGER) + 1, "
        f"CAST({float(f)!r} * ({count} - 1) AS INTEGER) + 2)"
        for f in fractions
    )


def _interpolate(values: dict[int, Any], count: int, fractions: tuple[float, ...]) -> list[Any]:
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


def _windowed(
    qs: QuerySet[Any], columns: dict[str, tuple[float, ...]]
) -> dict[str, list[float | None]]:
    """SQLite, several columns in one scan: each column numbered in its own value order
    (NULLs in a partition of their own), the rows around each rank kept."""
    from django.db.models import Q

    names = list(columns)
    any_value = Q()
    for column in names:
        any_value |= Q(**{f"{column}__isnull": False})
    sql, params = qs.filter(any_value).order_by().values_list(*names).query.sql_with_params()
    q = connection.ops.quote_name
    numbered = ", ".join(
        f"s.{q(c)} AS v{i}, ROW_NUMBER() OVER (PARTITION BY s.{q(c)} IS NULL ORDER BY s.{q(c)}) "
        f"AS r{i}, COUNT(s.{q(c)}) OVER () AS n{i}"
        for i, c in enumerate(names)
    )
    wanted = " OR ".join(
        f"(v{i} IS NOT NULL AND ({_targets(f'r{i}', f'n{i}', columns[c])}))"
        for i, c in enumerate(names)
    )
    picked = ", ".join(f"v{i}, r{i}, n{i}" for i in range(len(names)))
    query = f"SELECT {picked} FROM (SELECT {numbered} FROM ({sql}) AS s) WHERE {wanted}"  # noqa: S608
    rows = _fetch(query, list(params))
    out: dict[str, list[float | None]] = {}
    for i, column in enumerate(names):
        values = {int(row[3 * i + 1]): row[3 * i] for row in rows if row[3 * i] is not None}
        counts = [int(row[3 * i + 2]) for row in rows]
        count = counts[0] if counts else 0
        if not count or not values:
            out[column] = [None for _ in columns[column]]
        else:
            out[column] = _interpolate(values, count, columns[column])
    return out


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
    wanted = _targets("rn", "n", fractions)
    query = (
        f"SELECT rn, n, v FROM (SELECT s.{name} AS v, ROW_NUMBER() OVER (ORDER BY s.{name}) "  # noqa: S608
        f"AS rn, COUNT(*) OVER () AS n FROM ({sql}) AS s) WHERE {wanted}"
    )
    rows = _fetch(query, list(params))
    if not rows:
        return [None for _ in fractions]
    values = {int(rn): value for rn, _n, value in rows}
    return _interpolate(values, int(rows[0][1]), fractions)
