"""The daily roll-up (`DailyTicketStats`): what each fact contributes, incremental upkeep,
a rebuild from the facts, and percentiles from its histograms.

A fact contributes to one row per roll-up dimension ("", channel, type, category,
organization) on its created date and, once resolved, on its resolved date. Refreshing a
ticket applies `new contributions - old contributions` with one portable upsert per key
(`INSERT … ON CONFLICT … DO UPDATE SET x = x + excluded.x`, PostgreSQL and SQLite alike), so
incremental upkeep and a rebuild give the same rows.

Durations are also counted in log-scale histograms (8 buckets per doubling: each bucket is
9 % wide). A percentile read from them is placed inside its bucket by rank, so it is within
±4.5 % of the exact value; the dashboard says so where it shows one.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet

from .models import HISTOGRAMS, HOURS, ROLLUP_DIMENSIONS, DailyTicketStats

Key = tuple[dt.date, int, int, str, str]  # date, team, agent, dimension, value
Contribution = dict[str, float]  # counter name -> delta; "hist_<metric>:<bucket>" -> delta
KEY_FIELDS = ("date", "team_id", "agent_id", "dimension", "value")
HIST_FIELDS = tuple(f"hist_{name}" for name in HISTOGRAMS)
BUCKETS_PER_DOUBLING = 8
FACT_FIELDS = (
    "ticket_id",
    "team_id",
    "agent_id",
    "channel",
    "type_id",
    "category_id",
    "organization_id",
    "created_at",
    "created_date",
    "merged",
    "first_response_seconds",
    "first_response_business_seconds",
    "resolved_date",
    "resolution_seconds",
    "resolution_business_seconds",
    "reopens",
    "replies",
    "one_touch",
    "csat_score",
    "csat_positive",
    "sla_first_response",
    "sla_next_response",
    "sla_resolution",
)


# --- histograms -------------------------------------------------------------------------


def bucket_of(seconds: float) -> int:
    """0 for less than a second; b ≥ 1 holds [2^((b-1)/8), 2^(b/8)) seconds."""
    if seconds < 1:
        return 0
    return math.floor(math.log2(seconds) * BUCKETS_PER_DOUBLING) + 1


def bucket_bounds(bucket: int) -> tuple[float, float]:
    if bucket <= 0:
        return 0.0, 1.0
    return (
        2 ** ((bucket - 1) / BUCKETS_PER_DOUBLING),
        2 ** (bucket / BUCKETS_PER_DOUBLING),
    )


def _value_at(ordered: list[tuple[int, int]], position: int) -> float:
    """The estimated value of the `position`-th (0-based) smallest item."""
    seen = 0
    for bucket, count in ordered:
        if position < seen + count:
            low, high = bucket_bounds(bucket)
            return low + (high - low) * (position - seen + 0.5) / count
        seen += count
    low, high = bucket_bounds(ordered[-1][0])
    return high


def histogram_percentiles(
    histogram: dict[int, int], fractions: Iterable[float]
) -> list[float | None]:
    """Percentiles the way percentile_cont interpolates them, from bucket counts."""
    ordered = sorted((b, c) for b, c in histogram.items() if c > 0)
    total = sum(c for _, c in ordered)
    out: list[float | None] = []
    for fraction in fractions:
        if not total:
            out.append(None)
            continue
        rank = fraction * (total - 1)
        low = math.floor(rank)
        value = _value_at(ordered, low)
        if rank > low:
            value += (_value_at(ordered, low + 1) - value) * (rank - low)
        out.append(value)
    return out


def merged_histogram(rows: QuerySet[Any], field: str) -> dict[int, int]:
    """Sum of the `field` histograms of `rows`, added up by the database (JSON functions of
    PostgreSQL and SQLite): one row per bucket comes back, never one per roll-up row."""
    sql, params = rows.order_by().values(field).query.sql_with_params()
    each = "jsonb_each_text" if connection.vendor == "postgresql" else "json_each"
    column = connection.ops.quote_name(field)
    query = (
        f"SELECT e.key, SUM(CAST(e.value AS INTEGER)) FROM ({sql}) AS r, "  # noqa: S608
        f"{each}(r.{column}) AS e GROUP BY e.key"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return {int(key): int(total) for key, total in cursor.fetchall() if total}


# --- contributions ----------------------------------------------------------------------


def dimension_values(fact: Any) -> list[tuple[str, str]]:
    values = {
        "": "",
        "channel": fact.channel,
        "type": str(fact.type_id),
        "category": str(fact.category_id),
        "organization": str(fact.organization_id),
    }
    return [(name, values[name]) for name in ROLLUP_DIMENSIONS]


def _count(part: Contribution, metric: str, seconds: int | None) -> None:
    if seconds is not None:
        part[f"hist_{metric}:{bucket_of(seconds)}"] += 1


def created_part(fact: Any, hour: int) -> Contribution:
    part: Contribution = defaultdict(float)
    part["created"] += 1
    part[HOURS[hour]] += 1
    part["replies"] += fact.replies
    if fact.first_response_seconds is not None:
        part["first_response_sum"] += fact.first_response_seconds
        part["first_response_count"] += 1
    _count(part, "first_response", fact.first_response_seconds)
    _count(part, "first_response_business", fact.first_response_business_seconds)
    if fact.csat_score is not None:
        part["csat_sum"] += fact.csat_score
        part["csat_count"] += 1
        part["csat_positive"] += 1 if fact.csat_positive else 0
    for metric in ("first_response", "next_response", "resolution"):
        outcome = getattr(fact, f"sla_{metric}")
        if outcome:
            part[f"sla_{metric}_{outcome}"] += 1
    return part


def resolved_part(fact: Any) -> Contribution:
    part: Contribution = defaultdict(float)
    part["resolved"] += 1
    part["reopened"] += 1 if fact.reopens else 0
    part["one_touch"] += 1 if fact.one_touch else 0
    if fact.resolution_seconds is not None:
        part["resolution_sum"] += fact.resolution_seconds
        part["resolution_count"] += 1
    _count(part, "resolution", fact.resolution_seconds)
    _count(part, "resolution_business", fact.resolution_business_seconds)
    return part


def local_hour(value: dt.datetime) -> int:
    from django.utils import timezone

    return timezone.localtime(value, timezone.get_default_timezone()).hour


def contributions(
    fact: Any, *, created: bool = True, resolved: bool = True
) -> dict[Key, Contribution]:
    """What one fact adds to the roll-up, by key (nothing for a merged duplicate)."""
    out: dict[Key, Contribution] = defaultdict(lambda: defaultdict(float))
    if fact is None or fact.merged:
        return out
    parts: list[tuple[dt.date, Contribution]] = []
    if created:
        parts.append((fact.created_date, created_part(fact, local_hour(fact.created_at))))
    if resolved and fact.resolved_date is not None:
        parts.append((fact.resolved_date, resolved_part(fact)))
    for date, part in parts:
        for dimension, value in dimension_values(fact):
            target = out[(date, fact.team_id, fact.agent_id, dimension, value)]
            for name, amount in part.items():
                target[name] += amount
    return out


# --- incremental upkeep -----------------------------------------------------------------


def _histogram_update(column: str, buckets: dict[int, int]) -> str:
    """SQL that adds `buckets` to the JSON object in `column` (a bucket that reaches 0 is
    removed). Buckets and amounts are ints we made, so they are written as literals."""
    expression = column
    for bucket, amount in sorted(buckets.items()):
        b, d = int(bucket), int(amount)
        if connection.vendor == "postgresql":
            total = f"(COALESCE(({column} ->> '{b}')::integer, 0) + {d})"
            expression = (
                f"(CASE WHEN {total} = 0 THEN {expression} - '{b}' "
                f"ELSE jsonb_set({expression}, '{{{b}}}', to_jsonb({total})) END)"
            )
        else:
            path = f"'$.\"{b}\"'"
            total = f"(COALESCE(json_extract({column}, {path}), 0) + {d})"
            expression = (
                f"(CASE WHEN {total} = 0 THEN json_remove({expression}, {path}) "
                f"ELSE json_set({expression}, {path}, {total}) END)"
            )
    return expression


def _upsert(key: Key, scalars: dict[str, float], histograms: dict[str, dict[int, int]]) -> None:
    """One statement per key: insert the row with these amounts, or add them to it."""
    q = connection.ops.quote_name
    table = q(DailyTicketStats._meta.db_table)
    json_value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    columns = [q(name) for name in (*KEY_FIELDS, *HIST_FIELDS, *scalars)]
    params: list[Any] = [connection.ops.adapt_datefield_value(key[0]), *key[1:]]
    params += [json.dumps(histograms.get(name, {}), sort_keys=True) for name in HIST_FIELDS]
    params += list(scalars.values())
    placeholders = ["%s"] * len(KEY_FIELDS) + [json_value] * len(HIST_FIELDS)
    placeholders += ["%s"] * len(scalars)
    updates = [f"{q(n)} = {table}.{q(n)} + excluded.{q(n)}" for n in scalars]
    updates += [
        f"{q(name)} = {_histogram_update(f'{table}.{q(name)}', buckets)}"
        for name, buckets in histograms.items()
    ]
    conflict = ", ".join(q(name) for name in KEY_FIELDS)
    action = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(placeholders)}) "  # noqa: S608
        f"ON CONFLICT ({conflict}) {action}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


UPSERT_ROWS = 200
SCALAR_FIELDS = tuple(
    f.name
    for f in DailyTicketStats._meta.concrete_fields
    if not f.primary_key and f.name not in KEY_FIELDS and f.name not in HIST_FIELDS
)


def _merge_histograms(target: str, column: str) -> str:
    """SQL adding the histogram in `excluded.column` to the one in `target.column`, bucket by
    bucket (buckets that reach 0 are dropped) — the same in every row of a statement."""
    q = connection.ops.quote_name
    old, new = f"{target}.{q(column)}", f"excluded.{q(column)}"
    if connection.vendor == "postgresql":
        return (
            f"CASE WHEN {new} = '{{}}'::jsonb THEN {old} ELSE (SELECT "  # noqa: S608 - our names
            "COALESCE(jsonb_object_agg(key, total), '{}'::jsonb) FROM (SELECT key, "
            f"SUM(value::bigint) AS total FROM (SELECT key, value FROM jsonb_each_text({old}) "
            f"UNION ALL SELECT key, value FROM jsonb_each_text({new})) AS parts GROUP BY key "
            "HAVING SUM(value::bigint) <> 0) AS sums) END"
        )
    return (
        f"CASE WHEN {new} = '{{}}' THEN {old} ELSE (SELECT json_group_object(key, total) "  # noqa: S608
        "FROM (SELECT key, SUM(value) AS total FROM (SELECT key, value FROM "
        f"json_each({old}) UNION ALL SELECT key, value FROM json_each({new})) "
        "GROUP BY key HAVING SUM(value) <> 0)) END"
    )


def _upsert_many(rows: list[tuple[Key, dict[str, float]]]) -> None:
    """Several roll-up rows in one statement: every column is given (0 and {} where a row
    adds nothing), so one statement shape serves them all."""
    q = connection.ops.quote_name
    table = q(DailyTicketStats._meta.db_table)
    json_value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    columns = [*KEY_FIELDS, *HIST_FIELDS, *SCALAR_FIELDS]
    row_sql = (
        "("
        + ", ".join(
            ["%s"] * len(KEY_FIELDS) + [json_value] * len(HIST_FIELDS) + ["%s"] * len(SCALAR_FIELDS)
        )
        + ")"
    )
    params: list[Any] = []
    for key, delta in rows:
        histograms: dict[str, dict[str, int]] = defaultdict(dict)
        for name, value in delta.items():
            if ":" in name:
                field, bucket = name.split(":")
                histograms[field][str(int(bucket))] = int(value)
        params += [connection.ops.adapt_datefield_value(key[0]), *key[1:]]
        params += [json.dumps(histograms.get(name, {}), sort_keys=True) for name in HIST_FIELDS]
        params += [delta.get(name, 0) for name in SCALAR_FIELDS]
    updates = [f"{q(n)} = {table}.{q(n)} + excluded.{q(n)}" for n in SCALAR_FIELDS]
    updates += [f"{q(n)} = {_merge_histograms(table, n)}" for n in HIST_FIELDS]
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) VALUES "  # noqa: S608
        f"{', '.join([row_sql] * len(rows))} "
        f"ON CONFLICT ({', '.join(q(n) for n in KEY_FIELDS)}) DO UPDATE SET {', '.join(updates)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def apply(old: Any, new: Any) -> None:
    """Move the roll-up from `old`'s contributions to `new`'s (either may be None)."""
    apply_many([(old, new)])


def apply_many(pairs: list[tuple[Any, Any]]) -> None:
    """Move the roll-up for several facts at once: the differences are summed per roll-up
    row first, then each row is written once (in key order, so concurrent writers take the
    rows' locks in the same order)."""
    totals: dict[Any, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for old, new in pairs:
        before, after = contributions(old), contributions(new)
        for key in set(before) | set(after):
            was, now = before.get(key, {}), after.get(key, {})
            for name in set(was) | set(now):
                totals[key][name] += now.get(name, 0) - was.get(name, 0)
    rows = []
    for key in sorted(totals):
        delta = {name: value for name, value in sorted(totals[key].items()) if value}
        if delta:
            rows.append((key, delta))
    if len(rows) > 1:
        for start in range(0, len(rows), UPSERT_ROWS):
            _upsert_many(rows[start : start + UPSERT_ROWS])
        return
    for key, delta in rows:
        scalars = {name: value for name, value in delta.items() if ":" not in name}
        histograms: dict[str, dict[int, int]] = defaultdict(dict)
        for name, value in delta.items():
            if ":" in name:
                field, bucket = name.split(":")
                histograms[field][int(bucket)] = int(value)
        _upsert(key, scalars, histograms)


# --- rebuild ----------------------------------------------------------------------------


def rows_from(totals: dict[Key, Contribution], model: type[Model]) -> list[Model]:
    rows = []
    for key, values in totals.items():
        fields: dict[str, Any] = dict(zip(KEY_FIELDS, key, strict=True))
        for name in HIST_FIELDS:
            fields[name] = {}
        for name, value in values.items():
            if ":" in name:
                field, bucket = name.split(":")
                if value:
                    fields[field][bucket] = int(value)
            elif name == "csat_sum":
                fields[name] = value
            else:
                fields[name] = int(value)
        rows.append(model(**fields))
    return rows


def rebuild_from_facts(
    fact_model: type[Model] | None = None,
    stats_model: type[Model] | None = None,
    *,
    window_days: int = 14,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Recompute the roll-up from the facts, a window of days at a time (memory stays
    bounded by the window). The models may be a migration's historical models. Returns the
    number of roll-up rows written."""
    from django.db.models import Max, Min

    from .models import TicketFact

    facts_of: Any = fact_model or TicketFact
    stats: Any = stats_model or DailyTicketStats
    stats.objects.all().delete()
    bounds = facts_of.objects.aggregate(
        first=Min("created_date"),
        last=Max("created_date"),
        last_resolved=Max("resolved_date"),
    )
    if bounds["first"] is None:
        return 0
    first = bounds["first"]
    last = max(bounds["last"], bounds["last_resolved"] or bounds["last"])
    written = 0
    total_days = (last - first).days + 1
    day = first
    while day <= last:
        window_end = min(last, day + dt.timedelta(days=window_days - 1))
        totals: dict[Key, Contribution] = defaultdict(lambda: defaultdict(float))
        cohorts = (
            ({"created_date__range": (day, window_end)}, {"resolved": False}),
            ({"resolved_date__range": (day, window_end)}, {"created": False}),
        )
        for condition, only in cohorts:
            query = facts_of.objects.filter(merged=False, **condition).only(*FACT_FIELDS)
            for fact in query.order_by().iterator(chunk_size=5000):
                for key, values in contributions(fact, **only).items():
                    target = totals[key]
                    for name, value in values.items():
                        target[name] += value
        stats.objects.bulk_create(rows_from(totals, stats), batch_size=1000)
        written += len(totals)
        if progress:
            progress((window_end - first).days + 1, total_days)
        day = window_end + dt.timedelta(days=1)
    return written
