"""Medians and p90 computed in the database, never by loading rows into Python.

PostgreSQL: percentile_cont(f) WITHIN GROUP (ORDER BY col). SQLite: count, then read the one
or two rows around the rank with ORDER BY col LIMIT 2 OFFSET k on the indexed fact table and
interpolate exactly as percentile_cont does.
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


def percentiles(qs: QuerySet[Any], column: str, fractions: tuple[float, ...]) -> list[float | None]:
    """The `fractions` percentiles (0..1) of `column` over `qs` (NULLs ignored)."""
    qs = qs.filter(**{f"{column}__isnull": False}).order_by()
    if connection.vendor == "postgresql":
        names = {f"p{i}": PercentileCont(column, fraction) for i, fraction in enumerate(fractions)}
        result = qs.aggregate(**names)
        return [result[f"p{i}"] for i in range(len(fractions))]
    count = qs.count()
    if not count:
        return [None for _ in fractions]
    ordered = qs.order_by(column).values_list(column, flat=True)
    out: list[float | None] = []
    for fraction in fractions:
        rank = fraction * (count - 1)
        low = math.floor(rank)
        values = list(ordered[low : low + 2])
        if len(values) == 1 or rank == low:
            out.append(float(values[0]))
        else:
            out.append(values[0] + (values[1] - values[0]) * (rank - low))
    return out
