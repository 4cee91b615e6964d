"""The search consumer: keeps the ticket index in step with the events. A batch re-indexes
each ticket it names once (coalesced), in one statement pair; idempotent."""

from __future__ import annotations

from ticketdesk.core import outbox
from ticketdesk.core.models import OutboxMessage

from . import backend

TOPICS = ("ticket.created", "ticket.updated", "message.created", "ticket.merged")


def ticket_ids_of(events: list[OutboxMessage]) -> list[int]:
    ids: set[int] = set()
    for event in events:
        payload = event.payload or {}
        for value in (event.ticket_id, payload.get("ticket_id"), payload.get("target_id")):
            if isinstance(value, int):
                ids.add(value)
    return sorted(ids)


@outbox.consumer("search", topics=TOPICS, chunk_size=100)
def reindex(events: list[OutboxMessage]) -> None:
    backend.index_tickets(ticket_ids_of(events))
