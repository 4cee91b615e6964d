"""Escalations per team and period, counted from the event log (`escalated` events): the
team a ticket was escalated *from* owns the count (its tier 1 needed help)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from ticketdesk.accounts.models import Team
from ticketdesk.tickets.models import EventKind, TicketEvent

from .filters import ReportFilters
from .metrics import period_start

MAX_EVENTS = 50_000  # a bound on what one report reads


@dataclass
class EscalationRow:
    period: dt.date
    team: str
    escalations: int
    tickets: int
    to_tier_2: int
    to_specialists: int


def _bounds(f: ReportFilters) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(f.start, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(f.end + dt.timedelta(days=1), dt.time.min))
    return start, end


def escalation_rows(f: ReportFilters) -> list[EscalationRow]:
    """One row per period and team with at least one escalation, newest period first."""
    start, end = _bounds(f)
    events = TicketEvent.objects.filter(
        kind=EventKind.ESCALATED, created_at__gte=start, created_at__lt=end
    )
    if f.team_id is not None:
        events = events.filter(data__from_team_id=f.team_id)
    elif f.allowed_team_ids is not None:
        events = events.filter(data__from_team_id__in=list(f.allowed_team_ids))
    if f.agent_id is not None:
        events = events.filter(actor_user_id=f.agent_id)
    buckets: dict[tuple[dt.date, Any], dict[str, Any]] = {}
    rows = events.order_by("created_at").values_list("created_at", "ticket_id", "data")
    for created_at, ticket_id, data in rows[:MAX_EVENTS]:
        data = data or {}
        day = timezone.localdate(created_at)
        key = (period_start(day, f.interval), data.get("from_team_id"))
        bucket = buckets.setdefault(key, {"n": 0, "tickets": set(), "tier2": 0, "top": 0})
        bucket["n"] += 1
        bucket["tickets"].add(ticket_id)
        bucket["tier2" if int(data.get("level") or 0) <= 1 else "top"] += 1
    names = dict(
        Team.objects.filter(pk__in={k[1] for k in buckets if k[1]}).values_list("pk", "name")
    )
    out = [
        EscalationRow(
            period=period,
            team=names.get(team_id, "—"),
            escalations=b["n"],
            tickets=len(b["tickets"]),
            to_tier_2=b["tier2"],
            to_specialists=b["top"],
        )
        for (period, team_id), b in buckets.items()
    ]
    return sorted(out, key=lambda r: (-r.period.toordinal(), r.team))
