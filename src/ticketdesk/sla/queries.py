"""Reads for the SLA pages: the admin overview and a ticket's clock with its history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.core import clock
from ticketdesk.tickets import queries as ticket_queries
from ticketdesk.tickets.models import ACTIVE_CATEGORIES, EventKind, Ticket, TicketEvent

from .models import BusinessCalendar, Metric, SLAPolicy, TeamCalendar, TicketSLA

CHANGE_LABELS = {
    "policy": lambda: _("policy applied"),
    "no_policy": lambda: _("no policy applies any more"),
    "started": lambda: _("clock started"),
    "paused": lambda: _("clock paused (waiting on the customer)"),
    "resumed": lambda: _("clock resumed"),
    "stopped": lambda: _("clock stopped (ticket resolved or closed)"),
    # the clock's event happened (a response given, the ticket resolved); whether in time,
    # a "breached" entry before it says
    "met": lambda: _("done"),
    "warning": lambda: _("warning: close to breaching"),
    "breached": lambda: _("target breached"),
}


def change_label(change: str) -> str:
    label = CHANGE_LABELS.get(change)
    return label() if label else change


def calendars() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.prefetch_related("working_hours", "holidays").order_by("name")


def policies() -> QuerySet[SLAPolicy]:
    return SLAPolicy.objects.select_related("calendar").prefetch_related(
        "targets", "ticket_types", "categories", "teams", "organizations"
    )


def team_calendars() -> QuerySet[TeamCalendar]:
    return TeamCalendar.objects.select_related("team", "calendar").order_by("team__name")


def open_tickets_by_state() -> dict[str, int]:
    """Open tickets per SLA state (one grouped query on the status category / SLA state)."""
    rows = (
        Ticket.objects.filter(status_category__in=ACTIVE_CATEGORIES)
        .values("sla_state")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["sla_state"]: row["n"] for row in rows}


@dataclass
class TicketClock:
    ticket: Ticket
    policy: SLAPolicy | None
    metrics: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)


def fresh_standing(ticket: Ticket) -> tuple[str, dt.datetime | None]:
    """The ticket's SLA state and earliest due time as of now, computed from its events
    without writing anything: what the worker is about to store after a change, for the page
    that has just made the change (the stored columns still hold the values from before)."""
    from .selection import PolicyCatalog
    from .tracking import evaluate, status_map

    now = clock.now()
    _policy, result = evaluate(ticket, PolicyCatalog.load(), status_map(), now)
    return result.state(now), result.due_at


def ticket_clock(user: Any, number: int | str) -> TicketClock:
    """A visible ticket's SLA: targets as last computed and the clock's history (agents)."""
    ticket = ticket_queries.ticket_detail(user, number)
    policy.require(user, policy.VIEW_INTERNAL, ticket)
    state = TicketSLA.objects.select_related("policy").filter(ticket=ticket).first()
    metrics = []
    if state is not None:
        labels = dict(Metric.choices)
        for metric in Metric.values:
            data = state.metrics.get(metric)
            if data:
                metrics.append({"metric": metric, "label": labels[metric], **data})
    events = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SLA).order_by(
        "created_at", "id"
    )[:500]
    labels = dict(Metric.choices)
    history = [
        {
            "at": e.data.get("at") or e.created_at.isoformat(),
            "recorded_at": e.created_at,
            "metric": labels.get(e.data.get("metric", ""), ""),
            "change": e.data.get("change", ""),
            "label": change_label(e.data.get("change", "")),
            "policy": e.data.get("policy", ""),
        }
        for e in events
    ]
    return TicketClock(
        ticket=ticket, policy=state.policy if state else None, metrics=metrics, history=history
    )


__all__ = ["Prefetch", "calendars", "open_tickets_by_state", "policies", "ticket_clock"]
