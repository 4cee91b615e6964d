"""Outbox handlers: turn ticket, message and SLA events into rule triggers."""

from __future__ import annotations

import importlib
import logging

from django.conf import settings

from ticketdesk.notifications import outbox
from ticketdesk.notifications.models import OutboxMessage

from . import engine
from .models import Trigger

logger = logging.getLogger(__name__)


def _run(trigger: str, message: OutboxMessage) -> None:
    payload = message.payload or {}
    ticket_id = payload.get("ticket_id") or message.ticket_id
    if not ticket_id:
        return
    context = engine.context_from_payload(trigger, payload)
    engine.handle(trigger, int(ticket_id), context, source_message_id=message.pk)


@outbox.subscribe("ticket.created")
def on_ticket_created(message: OutboxMessage) -> None:
    _run(Trigger.TICKET_CREATED, message)


@outbox.subscribe("ticket.updated")
def on_ticket_updated(message: OutboxMessage) -> None:
    _run(Trigger.TICKET_UPDATED, message)


@outbox.subscribe("message.created")
def on_message_created(message: OutboxMessage) -> None:
    payload = message.payload or {}
    if payload.get("kind") != "public":
        return
    trigger = Trigger.CUSTOMER_REPLIED if payload.get("from_customer") else Trigger.AGENT_REPLIED
    _run(trigger, message)


@outbox.subscribe("sla.warning")
def on_sla_warning(message: OutboxMessage) -> None:
    _run(Trigger.SLA_WARNING, message)


@outbox.subscribe("sla.breached")
def on_sla_breached(message: OutboxMessage) -> None:
    _run(Trigger.SLA_BREACHED, message)


@outbox.subscribe("automation.webhook")
def deliver_webhook(message: OutboxMessage) -> None:
    """POST a rule's webhook through the notifications app's SSRF-safe client when it
    exists (otherwise the outbox row itself is the record of the request). A refused
    destination is logged and dropped; a failed delivery raises so the outbox retries it
    with backoff. Settings: TICKETDESK["AUTOMATION_WEBHOOK_SECRET"] signs the body;
    TICKETDESK["AUTOMATION_WEBHOOKS_ALLOW_PRIVATE"] allows private addresses."""
    try:
        module = importlib.import_module("ticketdesk.notifications.webhooks")
    except ImportError:
        return
    deliver_url = getattr(module, "deliver_url", None)
    if deliver_url is None:
        return
    payload = message.payload or {}
    url, body = str(payload.get("url", "")), payload.get("payload") or {}
    options = settings.TICKETDESK
    try:
        result = deliver_url(
            url,
            body,
            secret=options.get("AUTOMATION_WEBHOOK_SECRET") or None,
            allow_private=bool(options.get("AUTOMATION_WEBHOOKS_ALLOW_PRIVATE", False)),
            topic=message.topic,
            delivery_id=f"automation-{message.pk}",
        )
    except TypeError:  # an older client without the keyword arguments
        result = deliver_url(url, body)
    if result is None or getattr(result, "ok", True):
        return
    if getattr(result, "refused", False):
        logger.warning("automation webhook to %s refused: %s", url, getattr(result, "error", ""))
        return
    raise RuntimeError(f"automation webhook to {url} failed: {getattr(result, 'error', '')}")
