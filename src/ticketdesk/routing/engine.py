"""Routing a ticket to an agent of its team, race-free.

`route(ticket_id)` runs when a ticket is created or returns to the queue (see subscribers). In
one transaction it locks the team's routing row and the candidates' availability rows (in user
id order, so workers never deadlock), counts open tickets inside the lock, chooses with the
team's strategy, assigns through `tickets.actions.assign` and records a RoutingDecision; the
reason is also added to the data of the assignment event.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import AssignmentStrategy
from ticketdesk.core import clock, outbox
from ticketdesk.sla.calendar import is_working_instant
from ticketdesk.sla.models import BusinessCalendar
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import (
    ACTIVE_CATEGORIES,
    EventKind,
    Ticket,
    TicketEvent,
)

from .models import AgentAvailability, AgentSkill, RoutingDecision, TeamRoutingState
from .strategies import Candidate, TicketFacts, choose

logger = logging.getLogger(__name__)


def needs_routing(ticket: Ticket) -> bool:
    team = ticket.team
    return (
        ticket.assignee_id is None
        and team is not None
        and team.active
        and team.assignment_strategy != AssignmentStrategy.MANUAL
        and ticket.status_category in ACTIVE_CATEGORIES
        and ticket.merged_into_id is None
    )


def _load_ticket(ticket_id: int, *, lock: bool = False) -> Ticket | None:
    qs = Ticket.objects.select_related(
        "team", "category", "ticket_type", "organization", "requester"
    )
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.filter(pk=ticket_id).first()


def route(ticket_id: int) -> RoutingDecision | None:
    """Assign the ticket to an agent if its team routes automatically; idempotent (an assigned
    ticket is left alone).

    Lock order, the same on every path: the ticket, then the team's routing row, then the
    candidates' availability rows by user id; so routing never deadlocks with the SLA
    subscriber (which locks only the ticket) or with another routing worker.
    """
    ticket = _load_ticket(ticket_id)
    if ticket is None or not needs_routing(ticket):
        return None
    assert ticket.team is not None
    team = ticket.team
    member_ids = list(policy.assignable_users(team.pk).values_list("pk", flat=True))
    _ensure_rows(team.pk, member_ids)
    with transaction.atomic():
        ticket = _load_ticket(ticket_id, lock=True)
        if ticket is None or not needs_routing(ticket) or ticket.team_id != team.pk:
            return None
        state = TeamRoutingState.objects.select_for_update().get(team=team)
        locked = list(
            AgentAvailability.objects.select_for_update()
            .filter(user_id__in=member_ids)
            .order_by("user_id")
        )
        candidates = _candidates(member_ids, locked)
        chosen, reason = choose(
            team.assignment_strategy,
            candidates,
            _facts(ticket),
            state.last_assignee_id,
            avoid_user_id=_returned_by(ticket),
        )
        decision = RoutingDecision.objects.create(
            ticket=ticket,
            team=team,
            strategy=team.assignment_strategy,
            assignee_id=chosen.user_id if chosen else None,
            reason=reason[:500],
            candidates=[c.as_dict() for c in candidates],
            created_at=clock.now(),
        )
        if chosen is None:
            return decision
        assignee = policy.assignable_users(team.pk).get(pk=chosen.user_id)
        actions.assign(ticket, assignee=assignee, actor=None)
        _annotate_assignment(ticket, decision)
        state.last_assignee_id = chosen.user_id
        state.routed_count += 1
        state.save(update_fields=["last_assignee", "routed_count"])
    return decision


def _ensure_rows(team_id: int, member_ids: list[int]) -> None:
    """Create the team's routing row and missing availability rows (defaults: online, no
    limit) so they can be locked; only inserts when something is missing."""
    if not TeamRoutingState.objects.filter(team_id=team_id).exists():
        TeamRoutingState.objects.get_or_create(team_id=team_id)
    existing = set(
        AgentAvailability.objects.filter(user_id__in=member_ids).values_list("user_id", flat=True)
    )
    missing = [pk for pk in member_ids if pk not in existing]
    if missing:
        AgentAvailability.objects.bulk_create(
            [AgentAvailability(user_id=pk) for pk in missing], ignore_conflicts=True
        )


def _returned_by(ticket: Ticket) -> int | None:
    """The agent who just gave the ticket back to the queue (the latest assignment event
    removed them), so it does not bounce straight back to them."""
    event = (
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED, field="assignee")
        .order_by("-created_at", "-id")
        .only("old_value", "new_value")
        .first()
    )
    if event is None or event.new_value is not None or not isinstance(event.old_value, dict):
        return None
    user_id = event.old_value.get("id")
    return int(user_id) if isinstance(user_id, int) else None


def _annotate_assignment(ticket: Ticket, decision: RoutingDecision) -> None:
    """Add the reason to the assignment event written moments ago in this transaction."""
    event = (
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED, field="assignee")
        .order_by("-id")
        .first()
    )
    if event is None:
        return
    event.data = {
        **(event.data or {}),
        "routing": {
            "decision_id": decision.pk,
            "strategy": decision.strategy,
            "reason": decision.reason,
        },
    }
    event.save(update_fields=["data"])


def _candidates(member_ids: list[int], rows: list[AgentAvailability]) -> list[Candidate]:
    from ticketdesk.accounts.models import User

    by_user = {a.user_id: a for a in rows}
    names = {
        u.pk: u.display_name
        for u in User.objects.filter(pk__in=member_ids).only("username", "first_name", "last_name")
    }
    loads: dict[int, dict[str, Any]] = {
        row["assignee_id"]: dict(row)
        for row in Ticket.objects.filter(
            assignee_id__in=member_ids, status_category__in=ACTIVE_CATEGORIES
        )
        .values("assignee_id")
        .annotate(open_tickets=Count("id"), weighted=Sum("priority"))
    }
    skills: dict[int, set[tuple[str, str]]] = {}
    for user_id, kind, value in AgentSkill.objects.filter(user_id__in=member_ids).values_list(
        "user_id", "kind", "value"
    ):
        skills.setdefault(user_id, set()).add((kind, value))
    now = clock.now()
    schedules: dict[int, Any] = {}
    candidates = []
    for user_id in member_ids:
        availability = by_user.get(user_id)
        load = loads.get(user_id, {})
        in_hours = True
        if availability is not None and availability.calendar_id is not None:
            if availability.calendar_id not in schedules:
                calendar = BusinessCalendar.objects.get(pk=availability.calendar_id)
                schedules[availability.calendar_id] = calendar.schedule()
            in_hours = is_working_instant(schedules[availability.calendar_id], now)
        candidates.append(
            Candidate(
                user_id=user_id,
                name=names.get(user_id, str(user_id)),
                open_tickets=int(load.get("open_tickets") or 0),
                weighted_load=int(load.get("weighted") or 0),
                capacity=availability.capacity if availability else 0,
                status=availability.status if availability else "online",
                in_working_hours=in_hours,
                skills=skills.get(user_id, set()),
            )
        )
    return candidates


def _facts(ticket: Ticket) -> TicketFacts:
    requester = ticket.requester
    language = requester.language or ""
    if not language and requester.user_id is not None:
        language = getattr(requester.user, "language", "") or ""
    return TicketFacts(
        category_path=ticket.category.path if ticket.category else "",
        type_key=ticket.ticket_type.key if ticket.ticket_type else "",
        type_name=ticket.ticket_type.name if ticket.ticket_type else "",
        language=language,
        organization=ticket.organization.name if ticket.organization else "",
    )


ROUTE_TOPIC = "routing.route"


def queue_waiting(team_ids: list[int], limit: int = 50) -> int:
    """Ask for the unassigned open tickets of these teams (oldest first, bounded) to be routed,
    one outbox message each, so every routing runs in its own transaction. Returns how many."""
    ids = list(
        Ticket.objects.filter(
            team_id__in=team_ids,
            assignee__isnull=True,
            status_category__in=ACTIVE_CATEGORIES,
            merged_into__isnull=True,
        )
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for ticket_id in ids:
        outbox.publish(ROUTE_TOPIC, {"ticket_id": ticket_id}, ticket_id=ticket_id)
    return len(ids)
