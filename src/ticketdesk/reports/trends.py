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
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from ticketdesk.accounts.models import Contact, Organization
from ticketdesk.core import clock
from ticketdesk.notifications import outbox
from ticketdesk.tickets.models import Category, Ticket

from .filters import ReportFilters
from .metrics import facts
from .models import SpikeAlert, TicketFact
from .text import tokens

TERM_SAMPLE = 2000
TOP = 15


@dataclass
class Trend:
    key: Any
    label: str
    current: int
    previous: int

    @property
    def delta(self) -> int:
        return self.current - self.previous

    @property
    def change(self) -> float | None:
        return (self.delta * 100 / self.previous) if self.previous else None


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_default_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def _rising(
    current: dict[Any, int], previous: dict[Any, int], labels: dict[Any, str]
) -> list[Trend]:
    rows = [
        Trend(key, labels.get(key, str(key)), count, previous.get(key, 0))
        for key, count in current.items()
    ]
    rows = [row for row in rows if row.delta > 0]
    return sorted(rows, key=lambda r: (-r.delta, -r.current, r.label))[:TOP]


def _category_counts(f: ReportFilters) -> dict[int, int]:
    rows = (
        facts(f)
        .filter(created_date__range=(f.start, f.end), category_id__gt=0)
        .values_list("category_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)  # type: ignore[arg-type]


def category_trends(f: ReportFilters) -> list[Trend]:
    current, previous = _category_counts(f), _category_counts(f.previous())
    labels = dict(Category.objects.filter(pk__in=list(current)).values_list("pk", "path"))
    return _rising(current, previous, labels)


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


def tag_trends(f: ReportFilters) -> list[Trend]:
    current, previous = _tag_counts(f), _tag_counts(f.previous())
    return _rising(current, previous, {})


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


def term_trends(f: ReportFilters) -> list[Trend]:
    previous = f.previous()
    current = _term_counts(f, f.start, f.end)
    before = _term_counts(f, previous.start, previous.end)
    return [t for t in _rising(dict(current), dict(before), {}) if t.current >= 2]


def repeat_reporters(
    f: ReportFilters, days: int = 7, by: str = "requester_id"
) -> list[dict[str, Any]]:
    """Contacts (by="requester_id") or organizations (by="organization_id") that opened a
    ticket of a category they had already reported within `days` days before."""
    earlier = TicketFact.objects.filter(
        **{by: OuterRef(by)},
        category_id=OuterRef("category_id"),
        merged=False,
        created_at__lt=OuterRef("created_at"),
        created_at__gte=OuterRef("created_at") - dt.timedelta(days=days),
    )
    rows = list(
        facts(f)
        .filter(created_date__range=(f.start, f.end), category_id__gt=0, **{f"{by}__gt": 0})
        .filter(Exists(earlier))
        .values(by, "category_id")
        .annotate(repeats=Count("pk"))
        .order_by("-repeats", by)[:50]
    )
    model: Any = Contact if by == "requester_id" else Organization
    names = {
        obj.pk: getattr(obj, "display_name", None) or obj.name
        for obj in model.objects.filter(pk__in=[r[by] for r in rows])
    }
    categories = dict(
        Category.objects.filter(pk__in=[r["category_id"] for r in rows]).values_list("pk", "path")
    )
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
        TicketFact.objects.filter(
            merged=False, category_id__gt=0, created_date__range=(first, today)
        )
        .values_list("category_id", "created_date")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for category_id, day, n in rows:
        per_category[category_id][period_of(day)] += n
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
