"""Keep the ticket index in step with the outbox: every topic that can change a ticket's
subject, requester or messages re-indexes the tickets it names (idempotent)."""

from __future__ import annotations

from ticketdesk.notifications import outbox
from ticketdesk.notifications.models import OutboxMessage

from . import backend

TOPICS = ("ticket.created", "ticket.updated", "message.created", "ticket.merged")


def reindex_from_message(message: OutboxMessage) -> None:
    payload = message.payload or {}
    ticket_ids = {payload.get("ticket_id"), payload.get("target_id")}
    for ticket_id in sorted(i for i in ticket_ids if isinstance(i, int)):
        backend.index_ticket(ticket_id)


for _topic in TOPICS:
    outbox.subscribe(_topic)(reindex_from_message)
