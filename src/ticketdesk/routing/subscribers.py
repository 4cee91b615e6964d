"""Outbox subscribers: route new tickets and tickets that return to the queue."""

from __future__ import annotations

from ticketdesk.notifications import outbox
from ticketdesk.notifications.models import OutboxMessage

from . import engine

REQUEUE_CHANGES = {"assignee", "team"}


@outbox.subscribe("ticket.created")
def route_new_ticket(message: OutboxMessage) -> None:
    ticket_id = (message.payload or {}).get("ticket_id")
    if ticket_id:
        engine.route(int(ticket_id))


@outbox.subscribe("ticket.updated")
def route_requeued_ticket(message: OutboxMessage) -> None:
    payload = message.payload or {}
    ticket_id = payload.get("ticket_id")
    if ticket_id and REQUEUE_CHANGES & set(payload.get("changes") or []):
        engine.route(int(ticket_id))


@outbox.subscribe("routing.agent_available")
def route_waiting_tickets(message: OutboxMessage) -> None:
    """An agent came online (or got more capacity): route waiting tickets of their teams."""
    from ticketdesk.accounts.models import AssignmentStrategy, TeamMembership

    user_id = (message.payload or {}).get("user_id")
    if not user_id:
        return
    team_ids = list(
        TeamMembership.objects.filter(user_id=user_id, team__active=True)
        .exclude(team__assignment_strategy=AssignmentStrategy.MANUAL)
        .values_list("team_id", flat=True)
    )
    if team_ids:
        engine.queue_waiting(team_ids)


@outbox.subscribe(engine.ROUTE_TOPIC)
def route_one(message: OutboxMessage) -> None:
    ticket_id = (message.payload or {}).get("ticket_id")
    if ticket_id:
        engine.route(int(ticket_id))
