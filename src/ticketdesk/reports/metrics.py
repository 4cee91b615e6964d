"""Dashboard numbers. Counters, the heat map and (over more than EXACT_LIMIT tickets) the
median and p90 come from the daily roll-up when the filters allow (team, agent and any one of
channel, type, category, organization) and from the per-ticket facts otherwise. The backlog
is always read from the facts. Every function runs a bounded number of aggregate queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from ticketdesk.core import clock

from .filters import ReportFilters, dimension_filter
from .models import HOURS, SLA_METRICS, DailyTicketStats, TicketFact
from .percentiles import percentiles_of
from .rollup import histogram_percentiles, merged_histogram

CREATED_COUNTERS = (
    "created",
    "replies",
    "first_response_sum",
    "first_response_count",
    "csat_sum",
    "csat_count",
    "csat_positive",
    *(f"sla_{m}_{o}" for m in SLA_METRICS for o in ("met", "breached")),
)
RESOLVED_COUNTERS = ("resolved", "reopened", "one_touch", "resolution_sum", "resolution_count")
COUNTERS = CREATED_COUNTERS + RESOLVED_COUNTERS
FRACTIONS = (0.5, 0.9)
AGE_BUCKETS = ((0, 1), (1, 3), (3, 7), (7, 30), (30, None))  # days
# up to this many durations, median and p90 are exact (read from the facts); above it they
# come from the roll-up's histograms, within ±4.5 %
EXACT_LIMIT = 20_000


def facts(f: ReportFilters) -> QuerySet[TicketFact]:
    return TicketFact.objects.filter(merged=False, **dimension_filter(f, facts=True))


def _created_aggregates() -> dict[str, Any]:
    out: dict[str, Any] = {
        "created": Count("pk"),
        "replies": Sum("replies"),
        "first_response_sum": Sum("first_response_seconds"),
        "first_response_count": Count("first_response_seconds"),
        "csat_sum": Sum("csat_score"),
        "csat_count": Count("csat_score"),
        "csat_positive": Count("pk", filter=Q(csat_positive=True)),
    }
    for metric in SLA_METRICS:
        for outcome in ("met", "breached"):
            out[f"sla_{metric}_{outcome}"] = Count("pk", filter=Q(**{f"sla_{metric}": outcome}))
    return out


def _resolved_aggregates() -> dict[str, Any]:
    return {
        "resolved": Count("pk"),
        "reopened": Count("pk", filter=Q(reopens__gt=0)),
        "one_touch": Count("pk", filter=Q(one_touch=True)),
        "resolution_sum": Sum("resolution_seconds"),
        "resolution_count": Count("resolution_seconds"),
    }


def _empty() -> dict[str, float]:
    return dict.fromkeys(COUNTERS, 0)


def rollup_rows(f: ReportFilters) -> QuerySet[DailyTicketStats]:
    return DailyTicketStats.objects.filter(
        date__range=(f.start, f.end), **dimension_filter(f, facts=False)
    )


Group = str | tuple[str, ...] | None


def counters(f: ReportFilters, group: Group = None) -> dict[Any, dict[str, float]]:
    """Counters per group value: `group` is "date", "agent_id", "team_id", a tuple of them
    (keys are then tuples) or None (one total row under the key None). On the facts, "date"
    is each cohort's own date (created or resolved)."""
    out: dict[Any, dict[str, float]] = defaultdict(_empty)
    names: tuple[str, ...] = () if group is None else (group,) if isinstance(group, str) else group

    def add(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> None:
        for row in rows:
            values = tuple(row.pop(field) for field in fields)
            key = None if group is None else values[0] if isinstance(group, str) else values
            target = out[key]
            for name, value in row.items():
                target[name] += value or 0

    if f.needs_facts:
        base = facts(f)
        parts = (
            (
                base.filter(created_date__range=(f.start, f.end)),
                "created_date",
                _created_aggregates(),
            ),
            (
                base.filter(resolved_date__range=(f.start, f.end)),
                "resolved_date",
                _resolved_aggregates(),
            ),
        )
        for qs, date_field, aggregates in parts:
            fields = tuple(date_field if name == "date" else name for name in names)
            if fields:
                add(list(qs.values(*fields).annotate(**aggregates).order_by()), fields)
            else:
                add([qs.aggregate(**aggregates)], ())
        return out
    daily = rollup_rows(f)
    sums = {name: Sum(name) for name in COUNTERS}
    if names:
        add(list(daily.values(*names).annotate(**sums).order_by()), names)
    else:
        add([daily.aggregate(**sums)], ())
    return out


def _regroup(
    grouped: dict[tuple[Any, ...], dict[str, float]], position: int | None
) -> dict[Any, dict[str, float]]:
    """Counters keyed by (date, team, agent) summed by one part of the key (None: all)."""
    out: dict[Any, dict[str, float]] = defaultdict(_empty)
    for key, values in grouped.items():
        target = out[None if position is None else key[position]]
        for name, value in values.items():
            target[name] += value
    return out


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def derived(c: dict[str, float]) -> dict[str, Any]:
    """Rates and averages from counters (None: no data yet)."""
    sla = {}
    for metric in SLA_METRICS:
        met, breached = c[f"sla_{metric}_met"], c[f"sla_{metric}_breached"]
        sla[metric] = {
            "met": int(met),
            "breached": int(breached),
            "compliance": _ratio(met * 100, met + breached),
        }
    return {
        "created": int(c["created"]),
        "resolved": int(c["resolved"]),
        "replies": int(c["replies"]),
        "first_response_avg": _ratio(c["first_response_sum"], c["first_response_count"]),
        "resolution_avg": _ratio(c["resolution_sum"], c["resolution_count"]),
        "reopen_rate": _ratio(c["reopened"] * 100, c["resolved"]),
        "one_touch_rate": _ratio(c["one_touch"] * 100, c["resolved"]),
        "csat_score": _ratio(c["csat_sum"], c["csat_count"]),
        "csat_positive_rate": _ratio(c["csat_positive"] * 100, c["csat_count"]),
        "csat_response_rate": _ratio(c["csat_count"] * 100, c["resolved"]),
        "csat_count": int(c["csat_count"]),
        "sla": sla,
    }


def summary(f: ReportFilters) -> dict[str, Any]:
    return derived(counters(f)[None])


def time_percentiles(f: ReportFilters, counts: dict[str, float] | None = None) -> dict[str, Any]:
    """Median and p90 (seconds) of first response (created in range) and resolution
    (resolved in range), clock and business hours. `approximate` says whether they were read
    from the roll-up's histograms. `counts`: the period's counters, if already known."""
    created_qs = facts(f).filter(created_date__range=(f.start, f.end))
    resolved_qs = facts(f).filter(resolved_date__range=(f.start, f.end))
    cohorts = (
        ("first_response", created_qs, "first_response_count", "fact_first_response"),
        ("resolution", resolved_qs, "resolution_count", "fact_resolution"),
    )
    if not f.needs_facts and counts is None:
        counts = counters(f)[None]
    out: dict[str, Any] = {"approximate": False}
    # long ranges filtered only by date and team: walk the covering index in value order
    # (SQLite; short ranges read fewer rows through the date index and sort them)
    covered = f.days > 90 and not any(
        (f.agent_id, f.channel, f.type_id, f.category_id, f.organization_id)
    )
    for metric, qs, count_name, index in cohorts:
        business = f"{metric}_business"
        if counts is not None and counts[count_name] > EXACT_LIMIT:
            rows = rollup_rows(f)
            for name in (metric, business):
                histogram = merged_histogram(rows, f"hist_{name}")
                out[name] = histogram_percentiles(histogram, FRACTIONS)
            out["approximate"] = True
            continue
        exact = percentiles_of(
            qs,
            {f"{metric}_seconds": FRACTIONS, f"{business}_seconds": FRACTIONS},
            {f"{metric}_seconds": index if covered else None},
        )
        out[metric] = exact[f"{metric}_seconds"]
        # business hours: over the tickets whose SLA policy counts them
        out[business] = exact[f"{business}_seconds"]
    return out


def period_start(day: dt.date, interval: str) -> dt.date:
    return day - dt.timedelta(days=day.weekday()) if interval == "week" else day


def volume_series(
    f: ReportFilters, per_day: dict[Any, dict[str, float]] | None = None
) -> list[tuple[dt.date, int, int]]:
    """(period start, created, resolved) for every day or week of the range."""
    per_day = counters(f, "date") if per_day is None else per_day
    buckets: dict[dt.date, list[int]] = {}
    day = f.start
    while day <= f.end:
        buckets.setdefault(period_start(day, f.interval), [0, 0])
        day += dt.timedelta(days=1)
    for day, values in per_day.items():
        if day is None:
            continue
        bucket = buckets.setdefault(period_start(day, f.interval), [0, 0])
        bucket[0] += int(values["created"])
        bucket[1] += int(values["resolved"])
    return [(key, v[0], v[1]) for key, v in sorted(buckets.items())]


def performance(
    f: ReportFilters, group: str, per_key: dict[Any, dict[str, float]] | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """Per agent or per team: (id, derived numbers), busiest first."""
    per_key = counters(f, group) if per_key is None else per_key
    rows = [(key or 0, derived(c)) for key, c in per_key.items()]
    return sorted(rows, key=lambda item: (-item[1]["resolved"], -item[1]["created"], item[0]))


BREAKDOWN_FIELDS = {"category": "category_id", "type": "type_id", "channel": "channel"}


def breakdown(f: ReportFilters, dimension: str) -> list[tuple[str, dict[str, Any]]]:
    """Per category, type or channel ("where are we slow?"): (value, derived numbers),
    busiest first; the value is the id as text (the channel for channels), "0"/"" for none."""
    return breakdowns(f, [dimension])[dimension]


def breakdowns(
    f: ReportFilters, dimensions: list[str]
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """`breakdown` for several dimensions. The roll-up's rows of each dimension answer it
    unless another roll-up dimension is filtered; then one grouped pass per cohort over the
    facts serves all of them."""
    per_dimension: dict[str, dict[Any, dict[str, float]]] = {}
    fields = [BREAKDOWN_FIELDS[d] for d in dimensions]
    on_facts = [
        d
        for d, fld in zip(dimensions, fields, strict=True)
        if f.force_facts or not set(f.rollup_dimensions) <= {fld}
    ]
    for dimension in dimensions:
        if dimension in on_facts:
            continue
        field = BREAKDOWN_FIELDS[dimension]
        scope = dimension_filter(f, facts=False)
        scope["dimension"] = dimension
        if not getattr(f, field):
            scope.pop("value")
        rows = DailyTicketStats.objects.filter(date__range=(f.start, f.end), **scope)
        sums = {name: Sum(name) for name in COUNTERS}
        grouped: dict[Any, dict[str, float]] = defaultdict(_empty)
        per_value: Any = rows.values("value").annotate(**sums).order_by()
        for row in per_value:
            key = row.pop("value")
            for name, value in row.items():
                grouped[key][name] += value or 0
        per_dimension[dimension] = grouped
    if on_facts:
        keys = tuple(BREAKDOWN_FIELDS[d] for d in on_facts)
        combined = counters(replace(f, force_facts=True), keys)
        for position, dimension in enumerate(on_facts):
            grouped = defaultdict(_empty)
            for key, values in combined.items():
                target = grouped[str(key[position])]
                for name, value in values.items():
                    target[name] += value
            per_dimension[dimension] = grouped
    out = {}
    for dimension in dimensions:
        rows_out = [(str(key), derived(c)) for key, c in per_dimension[dimension].items()]
        out[dimension] = sorted(
            rows_out, key=lambda item: (-item[1]["resolved"], -item[1]["created"], item[0])
        )
    return out


def backlog(f: ReportFilters) -> dict[str, Any]:
    """Open tickets now (dimension filters apply, the date range does not) by age."""
    now = clock.now()
    # counting created_at (never NULL) rather than the key: the partial index fact_open_live
    # holds it, so PostgreSQL answers from the index alone
    aggregates: dict[str, Any] = {"total": Count("created_at")}
    for low, high in AGE_BUCKETS:
        condition = Q(created_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            condition &= Q(created_at__gt=now - dt.timedelta(days=high))
        aggregates[f"age_{low}"] = Count("created_at", filter=condition)
    result = facts(f).filter(is_open=True).aggregate(**aggregates)
    return {
        "total": result["total"],
        "buckets": [(low, high, result[f"age_{low}"]) for low, high in AGE_BUCKETS],
    }


def heatmap(f: ReportFilters) -> list[list[int]]:
    """7 × 24 created counts (Monday first) by local day of the week and hour."""
    grid = [[0] * 24 for _ in range(7)]
    if f.needs_facts:
        zone = timezone.get_default_timezone()
        rows = (
            facts(f)
            .filter(created_date__range=(f.start, f.end))
            .annotate(local_hour=TruncHour("created_at", tzinfo=zone))
            .values_list("local_hour")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for hour, count in rows:
            local = timezone.localtime(hour, zone)
            grid[local.weekday()][local.hour] += int(count or 0)
        return grid
    per_day: Any = rollup_rows(f).values("date").annotate(**{h: Sum(h) for h in HOURS})
    for row in per_day.order_by():
        day = grid[row["date"].weekday()]
        for hour, name in enumerate(HOURS):
            day[hour] += int(row[name] or 0)
    return grid


def dashboard(f: ReportFilters) -> dict[str, Any]:
    if f.needs_facts:
        # one grouped pass per cohort over the facts instead of one per table and chart
        grouped = counters(f, ("date", "team_id", "agent_id"))
        totals = _regroup(grouped, None)[None]
        series = volume_series(f, _regroup(grouped, 0))
        teams = performance(f, "team_id", _regroup(grouped, 1))
        agents = performance(f, "agent_id", _regroup(grouped, 2))
    else:
        totals = counters(f)[None]
        series = volume_series(f)
        agents = performance(f, "agent_id")
        teams = performance(f, "team_id")
    return {
        "summary": derived(totals),
        "previous": summary(f.previous()),
        "percentiles": time_percentiles(f, None if f.needs_facts else totals),
        "series": series,
        "backlog": backlog(f),
        "agents": agents,
        "teams": teams,
        "heatmap": heatmap(f),
    }
