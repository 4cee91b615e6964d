"""The reports consumer: every event about a ticket refreshes its fact (recomputed from its
events; the roll-ups move by the difference) — once per ticket per batch."""

from __future__ import annotations

from ticketdesk.core import outbox
from ticketdesk.core.models import OutboxMessage

from .business import BusinessHours
from .facts import refresh_tickets


def ticket_ids_of(events: list[OutboxMessage]) -> list[int]:
    ids: set[int] = set()
    for event in events:
        if event.topic.startswith(("reports.", "mail.")):
            continue
        payload = event.payload or {}
        for value in (event.ticket_id, payload.get("ticket_id"), payload.get("target_id")):
            if isinstance(value, int):
                ids.add(value)
    return sorted(ids)


@outbox.consumer("reports", chunk_size=200)
def refresh(events: list[OutboxMessage]) -> None:
    hours = outbox.batch_cached("reports.business_hours", BusinessHours)
    refresh_tickets(ticket_ids_of(events), hours=hours)
