"""Per-ticket facts computed from the event log, and the roll-ups derived from them.

The fact of a ticket is a pure function of its events (and its current dimensions: team,
assignee, channel, type, category, organization). The roll-up (`DailyTicketStats`,
`reports.rollup`) is the sum of each fact's *contributions*; refreshing a ticket applies
`new contributions - old contributions`, so incremental upkeep and a full rebuild give the
same numbers.

Rules (documented in docs/reports.md):
- a ticket merged into another is a duplicate: it keeps a fact row but contributes nothing;
- first response: the first public reply by staff;
- resolution: created → the last move into resolved/closed, minus time spent pending;
- a reopen (done → active) cancels the resolution until the ticket is resolved again;
- one-touch: resolved with exactly one staff reply and never reopened;
- CSAT: the last rating, normalised to 0..100; positive when rating ≥ 80 % of the scale;
- SLA: per metric, breached if any `sla` event says so, else met if one says met.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from ticketdesk.core import clock
from ticketdesk.tickets.models import Ticket, TicketEvent

from . import rollup
from .business import BusinessHours
from .models import TicketFact

DONE = ("resolved", "closed")
PENDING = "pending"
TICKET_FIELDS = (
    "id",
    "number",
    "team_id",
    "assignee_id",
    "channel",
    "ticket_type_id",
    "category_id",
    "organization_id",
    "requester_id",
    "created_at",
    "status_category",
    "merged_into_id",
    "resolved_at",
    "priority",
)
EVENT_FIELDS = ("id", "ticket_id", "kind", "created_at", "data", "field", "new_value")


def local_date(value: dt.datetime) -> dt.date:
    return timezone.localtime(value, timezone.get_default_timezone()).date()


def hour_of(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _seconds(delta: dt.timedelta) -> int:
    return max(0, int(delta.total_seconds()))


def csat_value(data: dict[str, Any]) -> tuple[float, bool] | None:
    """(score 0..100, positive) from a csat event's data; None if unreadable."""
    rating = data.get("rating", data.get("score"))
    if isinstance(rating, str):
        word = rating.strip().lower()
        if word in ("good", "positive", "satisfied"):
            return 100.0, True
        if word in ("bad", "negative", "unsatisfied", "dissatisfied"):
            return 0.0, False
        try:
            rating = float(word)
        except ValueError:
            return None
    scale_value = data.get("scale") or 5
    if scale_value in ("five", "binary"):  # the portal's scales: 1-5 stars; bad=1 / good=5
        scale_value = 5
    try:
        rating = float(rating)  # type: ignore[arg-type]
        scale = float(scale_value)
    except (TypeError, ValueError):
        return None
    if scale <= 1:
        return None
    score = max(0.0, min(100.0, (rating - 1) / (scale - 1) * 100))
    return score, rating >= scale * 0.8


def sla_outcome(data: dict[str, Any]) -> tuple[str, str] | None:
    """(metric, "met"|"breached") from an sla event's data; None for warnings and the rest."""
    metric = str(data.get("metric") or data.get("target") or data.get("kind") or "")
    outcome = str(
        data.get("outcome") or data.get("state") or data.get("result") or data.get("change") or ""
    )
    outcome = outcome.lower()
    if outcome in ("breach", "breached", "missed"):
        outcome = "breached"
    elif outcome != "met":
        return None
    for name in ("first_response", "next_response", "resolution"):
        if name in metric:
            return name, outcome
    return None


@dataclass
class _Walk:
    category: str
    since: dt.datetime
    pending: int = 0
    pending_intervals: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    resolved_at: dt.datetime | None = None
    pending_at_resolution: int = 0
    reopens: int = 0
    replies: int = 0
    first_response_at: dt.datetime | None = None
    csat: tuple[float, bool] | None = None
    sla: dict[str, str] = field(default_factory=dict)
    merged: bool = False


def _walk(ticket: Ticket, events: Iterable[TicketEvent]) -> _Walk:
    events = list(events)
    first_status = next((e for e in events if e.kind == "status_changed"), None)
    start = (first_status.data or {}).get("from_category") if first_status else None
    walk = _Walk(category=start or ticket.status_category, since=ticket.created_at)
    for event in events:
        data = event.data or {}
        if event.kind == "status_changed":
            to = data.get("to_category") or walk.category
            if walk.category == PENDING:
                walk.pending += _seconds(event.created_at - walk.since)
                walk.pending_intervals.append((walk.since, event.created_at))
            was_done = walk.category in DONE
            if to in DONE and not was_done:
                walk.resolved_at = event.created_at
                walk.pending_at_resolution = walk.pending
            if was_done and to not in DONE:
                walk.reopens += 1
                walk.resolved_at = None
            walk.category, walk.since = to, event.created_at
        elif event.kind == "message_added" and not data.get("from_customer", False):
            walk.replies += 1
            if walk.first_response_at is None:
                walk.first_response_at = event.created_at
        elif event.kind == "csat":
            walk.csat = csat_value(data) or walk.csat
        elif event.kind == "sla":
            outcome = sla_outcome(data)
            if outcome and walk.sla.get(outcome[0]) != "breached":  # a breach sticks
                walk.sla[outcome[0]] = outcome[1]
        elif event.kind == "merged_into":
            walk.merged = True
    return walk


def _business(
    walk: _Walk,
    created: dt.datetime,
    resolved_at: dt.datetime | None,
    business: tuple[Any, set[str]] | None,
) -> tuple[int | None, int | None]:
    """Working seconds of first response and resolution (minus pending) on the calendar."""
    if business is None:
        return None, None
    from .business import business_seconds

    schedule, metrics = business
    first = None
    if "first_response" in metrics and walk.first_response_at is not None:
        first = business_seconds(schedule, created, walk.first_response_at)
    resolution = None
    if "resolution" in metrics and resolved_at is not None:
        paused = sum(
            business_seconds(schedule, start, min(end, resolved_at))
            for start, end in walk.pending_intervals
            if start < resolved_at
        )
        resolution = max(0, business_seconds(schedule, created, resolved_at) - paused)
    return first, resolution


def compute_fact(
    ticket: Ticket,
    events: Iterable[TicketEvent],
    business: tuple[Any, set[str]] | None = None,
) -> TicketFact:
    """The fact of `ticket` from its events (ordered); `business` = (calendar schedule,
    metrics counted in business hours) where an SLA policy applies."""
    walk = _walk(ticket, events)
    done = ticket.status_category in DONE
    resolved_at = walk.resolved_at if done else None
    if done and resolved_at is None:
        resolved_at = ticket.resolved_at or ticket.created_at
    created = ticket.created_at
    resolution = None
    if resolved_at is not None:
        resolution = max(0, _seconds(resolved_at - created) - walk.pending_at_resolution)
    first_business, resolution_business = _business(walk, created, resolved_at, business)
    return TicketFact(
        ticket_id=ticket.pk,
        number=ticket.number,
        team_id=ticket.team_id or 0,
        agent_id=ticket.assignee_id or 0,
        channel=ticket.channel or "",
        type_id=ticket.ticket_type_id or 0,
        category_id=ticket.category_id or 0,
        organization_id=ticket.organization_id or 0,
        requester_id=ticket.requester_id or 0,
        created_at=created,
        created_date=local_date(created),
        created_hour=hour_of(created),
        status_category=ticket.status_category,
        is_open=not done,
        merged=walk.merged or ticket.merged_into_id is not None,
        first_response_seconds=(
            _seconds(walk.first_response_at - created) if walk.first_response_at else None
        ),
        resolved_at=resolved_at,
        resolved_date=local_date(resolved_at) if resolved_at else None,
        resolution_seconds=resolution,
        pending_seconds=walk.pending,
        first_response_business_seconds=first_business,
        resolution_business_seconds=resolution_business,
        reopens=walk.reopens,
        replies=walk.replies,
        one_touch=resolved_at is not None and walk.replies == 1 and walk.reopens == 0,
        csat_score=walk.csat[0] if walk.csat else None,
        csat_positive=walk.csat[1] if walk.csat else None,
        sla_first_response=walk.sla.get("first_response", ""),
        sla_next_response=walk.sla.get("next_response", ""),
        sla_resolution=walk.sla.get("resolution", ""),
        computed_at=clock.now(),
    )


def refresh_ticket(
    ticket_id: int, *, hours: BusinessHours | None = None, policy_id: int | None = None
) -> TicketFact | None:
    """Recompute one ticket's fact from its events and move the roll-ups by the difference.
    Idempotent."""
    with transaction.atomic():
        old = TicketFact.objects.select_for_update().filter(ticket_id=ticket_id).first()
        ticket = Ticket.objects.filter(pk=ticket_id).only(*TICKET_FIELDS).first()
        if ticket is None:
            return None
        events = TicketEvent.objects.filter(ticket_id=ticket_id).only(*EVENT_FIELDS)
        if hours is None:
            hours = BusinessHours()
            policy_id = hours.policy_ids([ticket_id]).get(ticket_id)
        business = hours.for_ticket(ticket, policy_id)
        new = compute_fact(ticket, events.order_by("created_at", "id"), business)
        rollup.apply(old, new)
        new.save(force_insert=old is None)
        return new


def refresh_tickets(ticket_ids: list[int], *, hours: BusinessHours | None = None) -> None:
    """Refresh several tickets' facts in one transaction and a few statements (the reports
    consumer's batches): old facts locked in ticket order, tickets and events read at once,
    the roll-ups moved by the summed differences, the facts written in bulk. Idempotent."""
    ids = sorted({int(i) for i in ticket_ids})
    if not ids:
        return
    hours = hours or BusinessHours()
    with transaction.atomic():
        olds = {
            fact.ticket_id: fact
            for fact in TicketFact.objects.select_for_update()
            .filter(ticket_id__in=ids)
            .order_by("ticket_id")
        }
        tickets = Ticket.objects.filter(pk__in=ids).only(*TICKET_FIELDS).in_bulk()
        events: dict[int, list[TicketEvent]] = defaultdict(list)
        for event in (
            TicketEvent.objects.filter(ticket_id__in=ids)
            .only(*EVENT_FIELDS)
            .order_by("ticket_id", "created_at", "id")
        ):
            events[event.ticket_id].append(event)
        policies = hours.policy_ids(ids)
        pairs = []
        for ticket_id in ids:
            ticket = tickets.get(ticket_id)
            if ticket is None:
                continue  # deleted meanwhile
            business = hours.for_ticket(ticket, policies.get(ticket_id))
            pairs.append((olds.get(ticket_id), compute_fact(ticket, events[ticket_id], business)))
        rollup.apply_many(pairs)
        fresh = [new for old, new in pairs if old is None]
        known = [new for old, new in pairs if old is not None]
        if fresh:
            TicketFact.objects.bulk_create(fresh)
        if known:
            TicketFact.objects.bulk_update(known, FACT_FIELDS)


CATCH_UP_KINDS = ("csat", "sla")
FACT_FIELDS = [f.name for f in TicketFact._meta.concrete_fields if not f.primary_key]


def refresh_recent(minutes: int = 15, limit: int = 5000) -> int:
    """Refresh the facts of tickets with recent `csat`/`sla` events: those can be recorded
    without an outbox message (idempotent; run every few minutes with overlap)."""
    since = clock.now() - dt.timedelta(minutes=minutes)
    ticket_ids = list(
        TicketEvent.objects.filter(kind__in=CATCH_UP_KINDS, created_at__gte=since)
        .order_by()
        .values_list("ticket_id", flat=True)
        .distinct()[:limit]
    )
    for ticket_id in ticket_ids:
        refresh_ticket(ticket_id)
    return len(ticket_ids)
