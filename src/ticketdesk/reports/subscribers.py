"""Keep the report facts current: every outbox message about a ticket refreshes its fact.

Handlers are idempotent (a fact is recomputed from events; roll-ups move by the difference).
"""

from __future__ import annotations

from ticketdesk.notifications import outbox
from ticketdesk.notifications.models import OutboxMessage

from .facts import refresh_ticket


@outbox.subscribe("*")
def refresh_report_fact(message: OutboxMessage) -> None:
    if message.topic.startswith("reports."):
        return
    payload = message.payload or {}
    ticket_ids = {message.ticket_id or payload.get("ticket_id"), payload.get("target_id")}
    for ticket_id in sorted(i for i in ticket_ids if isinstance(i, int)):
        refresh_ticket(ticket_id)
