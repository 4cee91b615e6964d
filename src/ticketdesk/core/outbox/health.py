"""How far behind each consumer is, its dead letters, the living workers; and the purge of
old events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q

from ticketdesk.core import clock
from ticketdesk.core.models import OutboxDelivery, OutboxMessage, OutgoingMail, WorkerHeartbeat

from .registry import consumers

WORKER_ALIVE_SECONDS = 30
KEEP_EVENTS_DAYS = 7


@dataclass(frozen=True)
class ConsumerLag:
    name: str
    pending: int
    dead: int
    oldest_pending_at: dt.datetime | None
    lag_seconds: float

    def as_dict(self) -> dict[str, object]:
        return {
            "pending": self.pending,
            "dead_letters": self.dead,
            "oldest_pending_at": self.oldest_pending_at.isoformat()
            if self.oldest_pending_at
            else None,
            "lag_seconds": round(self.lag_seconds, 1),
        }


def consumer_lag() -> list[ConsumerLag]:
    """Per consumer: deliveries waiting, dead letters, and the age of the oldest waiting
    event (one grouped query)."""
    now = clock.now()
    rows: dict[str, Any] = {
        row["consumer"]: row
        for row in OutboxDelivery.objects.values("consumer")
        .order_by()
        .annotate(
            pending=Count("id", filter=Q(dead_at__isnull=True)),
            dead=Count("id", filter=Q(dead_at__isnull=False)),
            oldest=Min("event__created_at", filter=Q(dead_at__isnull=True)),
        )
    }
    names = [c.name for c in consumers()]
    names += sorted(set(rows) - set(names))  # consumers since removed, with rows left
    out = []
    for name in names:
        row = rows.get(name) or {}
        oldest = row.get("oldest")
        out.append(
            ConsumerLag(
                name=name,
                pending=int(row.get("pending") or 0),
                dead=int(row.get("dead") or 0),
                oldest_pending_at=oldest,
                lag_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
            )
        )
    return out


def live_workers() -> list[WorkerHeartbeat]:
    since = clock.now() - dt.timedelta(seconds=WORKER_ALIVE_SECONDS)
    return list(WorkerHeartbeat.objects.filter(seen_at__gte=since).order_by("name"))


def mail_queue() -> dict[str, int]:
    counts = dict(
        OutgoingMail.objects.filter(status__in=("pending", "failed"))
        .values_list("status")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {"pending": int(counts.get("pending", 0)), "failed": int(counts.get("failed", 0))}


def purge(*, keep_days: int = KEEP_EVENTS_DAYS, limit: int = 10000) -> int:
    """Delete events older than `keep_days` that no consumer still owes (dead letters keep
    their event), sent mail older than that, and heartbeats of workers long gone. Bounded
    per call; returns the number of events deleted."""
    cutoff = clock.now() - dt.timedelta(days=keep_days)
    ids = list(
        OutboxMessage.objects.filter(created_at__lt=cutoff)
        .exclude(pk__in=OutboxDelivery.objects.values("event_id"))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    if ids:
        OutboxMessage.objects.filter(pk__in=ids).delete()
    sent = list(
        OutgoingMail.objects.filter(status="sent", sent_at__lt=cutoff).values_list("id", flat=True)[
            :limit
        ]
    )
    if sent:
        OutgoingMail.objects.filter(pk__in=sent).delete()
    WorkerHeartbeat.objects.filter(seen_at__lt=cutoff).delete()
    return len(ids)
