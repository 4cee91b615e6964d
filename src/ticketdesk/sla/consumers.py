"""The SLA consumer: every change to a ticket recomputes its clock — once per ticket per
batch, with the policies and calendars loaded once per batch."""

from __future__ import annotations

from ticketdesk.core import outbox
from ticketdesk.core.models import OutboxMessage

from . import tracking
from .selection import PolicyCatalog

TOPICS = ("ticket.created", "ticket.updated", "message.created")


@outbox.consumer("sla", topics=TOPICS, chunk_size=100)
def recompute(events: list[OutboxMessage]) -> None:
    ticket_ids = sorted(
        {
            int(i)
            for e in events
            for i in (e.ticket_id, (e.payload or {}).get("ticket_id"))
            if isinstance(i, int)
        }
    )
    if not ticket_ids:
        return
    tracking.refresh_many(
        ticket_ids,
        catalog=outbox.batch_cached("sla.catalog", PolicyCatalog.load),
        statuses=outbox.batch_cached("sla.statuses", tracking.status_map),
    )
