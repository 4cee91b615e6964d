"""The routing consumer: route new tickets, tickets that return to the queue, and the waiting
tickets of an agent who comes online (each ticket once per batch; each routing locks the
ticket, its team's row and the candidates, in that order)."""

from __future__ import annotations

from ticketdesk.accounts.models import AssignmentStrategy, Team, TeamMembership
from ticketdesk.core import outbox
from ticketdesk.core.models import OutboxMessage

from . import engine
from .actions import AGENT_AVAILABLE_TOPIC

REQUEUE_CHANGES = {"assignee", "team"}
TOPICS = ("ticket.created", "ticket.updated", AGENT_AVAILABLE_TOPIC, engine.ROUTE_TOPIC)


def _waiting_teams(user_id: int) -> list[int]:
    return list(
        TeamMembership.objects.filter(user_id=user_id, team__active=True)
        .exclude(team__assignment_strategy=AssignmentStrategy.MANUAL)
        .values_list("team_id", flat=True)
    )


@outbox.consumer("routing", topics=TOPICS, live_only=True, chunk_size=1)
def route(events: list[OutboxMessage]) -> None:
    to_route: set[int] = set()
    for event in events:
        payload = event.payload or {}
        if event.topic == AGENT_AVAILABLE_TOPIC:
            user_id = payload.get("user_id")
            team_ids = _waiting_teams(int(user_id)) if isinstance(user_id, int) else []
            if team_ids:
                engine.queue_waiting(team_ids)
            continue
        ticket_id = payload.get("ticket_id")
        if not isinstance(ticket_id, int):
            continue
        if event.topic == "ticket.updated" and not REQUEUE_CHANGES & set(
            payload.get("changes") or []
        ):
            continue
        if "assignee_id" in payload and (
            payload["assignee_id"] is not None or not _routes_itself(payload.get("team_id"))
        ):
            continue  # assigned, or its team assigns by hand: nothing to route
        to_route.add(ticket_id)
    for ticket_id in sorted(to_route):
        engine.route(ticket_id)


def _routes_itself(team_id: int | None) -> bool:
    """Does the team assign automatically? (Teams read once per batch.)"""
    teams = outbox.batch_cached(
        "routing.teams",
        lambda: {
            pk: active and strategy != AssignmentStrategy.MANUAL
            for pk, active, strategy in Team.objects.values_list(
                "pk", "active", "assignment_strategy"
            )
        },
    )
    return bool(team_id and teams.get(team_id))
