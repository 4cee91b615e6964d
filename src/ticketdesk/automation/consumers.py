"""The automation consumer: ticket, message and SLA events become rule triggers, one event
at a time in order (a rule's change is itself an event, handled after it)."""

from __future__ import annotations

from ticketdesk.core import outbox
from ticketdesk.core.models import OutboxMessage

from . import engine
from .models import Trigger

TRIGGERS = {
    "ticket.created": Trigger.TICKET_CREATED,
    "ticket.updated": Trigger.TICKET_UPDATED,
    "sla.warning": Trigger.SLA_WARNING,
    "sla.breached": Trigger.SLA_BREACHED,
}


def trigger_of(event: OutboxMessage) -> str | None:
    payload = event.payload or {}
    if event.topic == "message.created":
        if payload.get("kind") != "public":
            return None
        return Trigger.CUSTOMER_REPLIED if payload.get("from_customer") else Trigger.AGENT_REPLIED
    return TRIGGERS.get(event.topic)


@outbox.consumer("automation", topics=(*TRIGGERS, "message.created"), live_only=True, chunk_size=1)
def run_rules(events: list[OutboxMessage]) -> None:
    for event in events:
        trigger = trigger_of(event)
        payload = event.payload or {}
        ticket_id = payload.get("ticket_id") or event.ticket_id
        if trigger is None or not isinstance(ticket_id, int):
            continue
        context = engine.context_from_payload(trigger, payload)
        engine.handle(trigger, ticket_id, context, source_message_id=event.pk)
