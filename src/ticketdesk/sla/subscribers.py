"""Outbox subscribers: every change to a ticket recomputes its SLA clock."""

from __future__ import annotations

from ticketdesk.notifications import outbox
from ticketdesk.notifications.models import OutboxMessage

from . import tracking


@outbox.subscribe("ticket.created")
@outbox.subscribe("ticket.updated")
@outbox.subscribe("message.created")
def recompute_sla(message: OutboxMessage) -> None:
    ticket_id = (message.payload or {}).get("ticket_id") or message.ticket_id
    if ticket_id:
        tracking.refresh(int(ticket_id))
