"""Trends: what rises against the previous period (categories, tags, subject terms), spike
detection (z-score over the last N periods, announced once on the outbox as `reports.spike`)
and repeat reporters (same contact or organization, same category within N days).

Terms come from a bounded sample of subjects (the newest TERM_SAMPLE per period), never from
every row.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from ticketdesk.accounts.models import Contact, Organization
from ticketdesk.core import clock, outbox
from ticketdesk.tickets import display
from ticketdesk.tickets.models import Category, Ticket

from .filters import ReportFilters, dimension_filter
from .metrics import facts
from .models import DailyTicketStats, SpikeAlert, TicketFact
from .text import tokens

TERM_SAMPLE = 2000
TOP = 15


BASELINE_WEEKS = 4


@dataclass
class Trend:
    key: Any
    label: str
    current: int
    previous: float  # the previous period, or the average of the same days in earlier weeks
    query: str = ""  # the ticket list query that shows this period's tickets

    @property
    def delta(self) -> float:
        return self.current - self.previous

    @property
    def change(self) -> float | None:
        return (self.delta * 100 / self.previous) if self.previous else None


def baselines(f: ReportFilters, compare: str) -> list[ReportFilters]:
    """The periods `f` is compared with: the one just before (compare="previous"), or the
    same days of each of the BASELINE_WEEKS weeks before (compare="weeks", whose counts are
    averaged: "is this Tuesday unusual for a Tuesday?")."""
    if compare != "weeks":
        return [f.previous()]
    shift = dt.timedelta(days=7 * max(1, math.ceil(f.days / 7)))
    return [
        replace(f, start=f.start - shift * n, end=f.end - shift * n)
        for n in range(1, BASELINE_WEEKS + 1)
    ]


def _average(counts: list[dict[Any, int]]) -> dict[Any, float]:
    total: dict[Any, float] = defaultdict(float)
    for period in counts:
        for key, n in period.items():
            total[key] += n
    return {key: n / len(counts) for key, n in total.items()}


def _period_query(f: ReportFilters) -> str:
    return f"created:{f.start.isoformat()}..{f.end.isoformat()}"


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_default_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def _rising(
    current: dict[Any, int],
    previous: dict[Any, float],
    labels: dict[Any, str],
    query: Any = None,
) -> list[Trend]:
    rows = [
        Trend(
            key,
            labels.get(key, str(key)),
            count,
            round(previous.get(key, 0), 1),
            query(key) if query else "",
        )
        for key, count in current.items()
    ]
    rows = [row for row in rows if row.delta > 0]
    return sorted(rows, key=lambda r: (-r.delta, -r.current, r.label))[:TOP]


def _category_counts(f: ReportFilters) -> dict[int, int]:
    if set(f.rollup_dimensions) <= {"category_id"}:  # the roll-up's category rows
        scope = dimension_filter(f, facts=False)
        scope["dimension"] = "category"
        if not f.category_id:
            scope.pop("value")
        per_value = (
            DailyTicketStats.objects.filter(date__range=(f.start, f.end), **scope)
            .exclude(value="0")
            .values_list("value")
            .annotate(n=Sum("created"))
            .order_by()
        )
        return {int(value): int(n) for value, n in per_value if n}
    rows = (
        facts(f)
        .filter(created_date__range=(f.start, f.end), category_id__gt=0)
        .values_list("category_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)  # type: ignore[arg-type]


def category_trends(f: ReportFilters, compare: str = "previous") -> list[Trend]:
    current = _category_counts(f)
    previous = _average([_category_counts(b) for b in baselines(f, compare)])
    category_names = display.names_of("category")
    labels = {pk: category_names.get(pk, "?") for pk in current}
    period = _period_query(f)
    return _rising(current, previous, labels, lambda key: f"category:{key} {period}")


def _scoped_tickets(f: ReportFilters) -> Any:
    qs = Ticket.objects.filter(merged_into__isnull=True)
    if f.team_id:
        qs = qs.filter(team_id=f.team_id)
    elif f.allowed_team_ids is not None:
        qs = qs.filter(team_id__in=list(f.allowed_team_ids))
    for name, column in (
        ("agent_id", "assignee_id"),
        ("type_id", "ticket_type_id"),
        ("category_id", "category_id"),
        ("organization_id", "organization_id"),
    ):
        value = getattr(f, name)
        if value:
            qs = qs.filter(**{column: value})
    if f.channel:
        qs = qs.filter(channel=f.channel)
    return qs


def _tag_counts(f: ReportFilters) -> dict[str, int]:
    start, end = _bounds(f.start, f.end)
    ids = _scoped_tickets(f).filter(created_at__gte=start, created_at__lt=end).values("pk")
    rows = (
        Ticket.tags.through.objects.filter(ticket_id__in=ids)
        .values_list("tag__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)  # type: ignore[arg-type]


def tag_trends(f: ReportFilters, compare: str = "previous") -> list[Trend]:
    current = _tag_counts(f)
    previous = _average([_tag_counts(b) for b in baselines(f, compare)])
    period = _period_query(f)
    return _rising(current, previous, {}, lambda key: f'tag:"{key}" {period}')


def _term_counts(f: ReportFilters, start: dt.date, end: dt.date) -> Counter[str]:
    low, high = _bounds(start, end)
    subjects = (
        _scoped_tickets(f)
        .filter(created_at__gte=low, created_at__lt=high)
        .order_by("-created_at", "-id")
        .values_list("subject", flat=True)[:TERM_SAMPLE]
    )
    counts: Counter[str] = Counter()
    for subject in subjects:
        counts.update(set(tokens(subject)))
    return counts


def term_trends(f: ReportFilters, compare: str = "previous") -> list[Trend]:
    current = _term_counts(f, f.start, f.end)
    before = _average([dict(_term_counts(f, b.start, b.end)) for b in baselines(f, compare)])
    period = _period_query(f)
    rising = _rising(dict(current), before, {}, lambda key: f'"{key}" {period}')
    return [t for t in rising if t.current >= 2]


def repeat_reporters(
    f: ReportFilters, days: int = 7, by: str = "requester_id"
) -> list[dict[str, Any]]:
    """Contacts (by="requester_id") or organizations (by="organization_id") that opened a
    ticket of a category they had already reported within `days` days before.

    One pass in the database: the facts from `days` before the period to its end, each with
    the creation time of the previous ticket of the same reporter and category (LAG over a
    window), counted where that previous ticket is recent enough. The earlier ticket may be
    outside the filters (another team, say); the repeated one must match them."""
    from django.db import connection
    from django.db.models import BooleanField, ExpressionWrapper, F, Q, Window
    from django.db.models.functions import Lag

    if by not in ("requester_id", "organization_id"):
        raise ValueError(by)
    scope = Q(**dimension_filter(f, facts=True))
    candidates = (
        TicketFact.objects.filter(
            merged=False,
            category_id__gt=0,
            **{f"{by}__gt": 0},
            created_date__range=(f.start - dt.timedelta(days=days + 1), f.end),
        )
        .annotate(
            previous_at=Window(
                Lag("created_at"),
                partition_by=[F(by), F("category_id")],
                order_by=[F("created_at").asc(), F("ticket_id").asc()],
            ),
            in_scope=ExpressionWrapper(
                scope & Q(created_date__range=(f.start, f.end)), output_field=BooleanField()
            ),
        )
        .values_list(by, "category_id", "created_at", "previous_at", "in_scope")
        .order_by()
    )
    sql, params = candidates.query.sql_with_params()
    q = connection.ops.quote_name
    window: Any
    if connection.vendor == "postgresql":
        recent, window = f"w.{q('previous_at')} >= w.{q('created_at')} - %s", dt.timedelta(days)
    else:  # SQLite keeps datetimes as text
        recent = f"julianday(w.{q('previous_at')}) >= julianday(w.{q('created_at')}) - %s"
        window = float(days)
    query = (
        f"SELECT w.{q(by)}, w.{q('category_id')}, COUNT(*) AS repeats FROM ({sql}) AS w "  # noqa: S608
        f"WHERE w.{q('in_scope')} AND w.{q('previous_at')} IS NOT NULL "
        f"AND {recent} "
        f"GROUP BY w.{q(by)}, w.{q('category_id')} "
        f"ORDER BY repeats DESC, w.{q(by)} LIMIT 50"
    )
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, window])
        for reporter, category_id, repeats in cursor.fetchall():
            rows.append({by: reporter, "category_id": category_id, "repeats": repeats})
    model: Any = Contact if by == "requester_id" else Organization
    names = {
        obj.pk: getattr(obj, "display_name", None) or obj.name
        for obj in model.objects.filter(pk__in=[r[by] for r in rows])
    }
    categories = display.names_of("category")
    return [
        {
            "id": r[by],
            "name": names.get(r[by], "?"),
            "category": categories.get(r["category_id"], "?"),
            "repeats": r["repeats"],
        }
        for r in rows
    ]


@dataclass
class Spike:
    kind: str
    key: str
    label: str
    count: int
    mean: float
    z_score: float


def _z(current: int, history: list[int]) -> tuple[float, float]:
    mean = sum(history) / len(history) if history else 0.0
    variance = sum((v - mean) ** 2 for v in history) / len(history) if history else 0.0
    return mean, (current - mean) / max(math.sqrt(variance), 1.0)


def find_spikes(
    today: dt.date,
    *,
    periods: int = 8,
    period_days: int = 7,
    min_count: int = 5,
    threshold: float = 3.0,
) -> tuple[dt.date, list[Spike]]:
    """Categories and terms whose count in the last `period_days` days lies `threshold`
    standard deviations above the previous `periods` periods."""
    start = today - dt.timedelta(days=period_days - 1)
    first = start - dt.timedelta(days=period_days * periods)

    def period_of(day: dt.date) -> int:  # 0 = current, 1.. = history
        return 0 if day >= start else 1 + (start - day - dt.timedelta(days=1)).days // period_days

    per_category: dict[int, list[int]] = defaultdict(lambda: [0] * (periods + 1))
    rows = (
        DailyTicketStats.objects.filter(dimension="category", date__range=(first, today))
        .exclude(value="0")
        .values_list("value", "date")
        .annotate(n=Sum("created"))
        .order_by()
    )
    for value, day, n in rows:
        if n:
            per_category[int(value)][period_of(day)] += int(n)
    per_term: dict[str, list[int]] = defaultdict(lambda: [0] * (periods + 1))
    for index in range(periods + 1):
        end_day = today - dt.timedelta(days=period_days * index)
        low, high = _bounds(end_day - dt.timedelta(days=period_days - 1), end_day)
        subjects = (
            Ticket.objects.filter(
                created_at__gte=low, created_at__lt=high, merged_into__isnull=True
            )
            .order_by("-created_at", "-id")
            .values_list("subject", flat=True)[:TERM_SAMPLE]
        )
        counts: Counter[str] = Counter()
        for subject in subjects:
            counts.update(set(tokens(subject)))
        for term, n in counts.items():
            per_term[term][index] += n
    labels: dict[Any, str] = dict(
        Category.objects.filter(pk__in=list(per_category)).values_list("pk", "path")
    )
    spikes = []
    series_list: list[tuple[str, dict[Any, list[int]], dict[Any, str]]] = [
        ("category", dict(per_category), labels),
        ("term", dict(per_term), {}),
    ]
    for kind, series, names in series_list:
        for key, counts_by_period in series.items():
            current = counts_by_period[0]
            if current < min_count:
                continue
            mean, z = _z(current, counts_by_period[1:])
            if z >= threshold:
                spikes.append(Spike(kind, str(key), str(names.get(key, key)), current, mean, z))
    return start, sorted(spikes, key=lambda s: -s.z_score)


def detect_and_publish(today: dt.date | None = None) -> list[SpikeAlert]:
    """Announce new spikes on the outbox (`reports.spike`), once per key and period."""
    now = clock.now()
    today = today or timezone.localtime(now, timezone.get_default_timezone()).date()
    start, spikes = find_spikes(today)
    created = []
    for spike in spikes:
        try:
            with transaction.atomic():
                alert = SpikeAlert.objects.create(
                    kind=spike.kind,
                    key=spike.key[:120],
                    period_start=start,
                    period_end=today,
                    count=spike.count,
                    mean=spike.mean,
                    z_score=spike.z_score,
                    created_at=now,
                )
                outbox.publish(
                    "reports.spike",
                    {
                        "kind": spike.kind,
                        "key": spike.key,
                        "label": spike.label,
                        "count": spike.count,
                        "mean": round(spike.mean, 2),
                        "z_score": round(spike.z_score, 2),
                        "period_start": start.isoformat(),
                        "period_end": today.isoformat(),
                    },
                )
        except IntegrityError:
            continue  # already announced for this period
        created.append(alert)
    return created
