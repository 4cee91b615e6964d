"""The portal's consumer: ask the requester for a rating when a ticket is resolved (the mail
is queued in the same transaction and sent after commit)."""

from __future__ import annotations

from django.urls import reverse

from ticketdesk.core import clock, outbox
from ticketdesk.core.models import OutboxMessage
from ticketdesk.tickets.models import EventKind, StatusCategory, Ticket, TicketEvent

from . import emails, tokens
from .models import CsatRequest, PortalSettings


def _resolved_by(ticket: Ticket, version: object) -> bool:
    """Did the change that published this message move the ticket to resolved? (The event
    log answers; the ticket's current status may have moved on since.)"""
    event = (
        TicketEvent.objects.filter(
            ticket=ticket, kind=EventKind.STATUS_CHANGED, data__version=version
        )
        .order_by("-id")
        .first()
    )
    return bool(event and (event.data or {}).get("to_category") == StatusCategory.RESOLVED)


def _resolving(message: OutboxMessage) -> bool:
    """Did this change (perhaps) resolve the ticket? Decided from the payload alone."""
    payload = message.payload or {}
    if "status" not in (payload.get("changes") or []):
        return False
    category = payload.get("status_category")  # older events do not say: the log will
    return category is None or category == StatusCategory.RESOLVED


@outbox.consumer("csat", topics=("ticket.updated",), live_only=True, chunk_size=25)
def request_ratings(events: list[OutboxMessage]) -> None:
    candidates = [e for e in events if _resolving(e)]
    if not candidates:
        return
    portal = outbox.batch_cached("portal.settings", PortalSettings.current)
    if not portal.csat_enabled:
        return
    asked = set(
        CsatRequest.objects.filter(outbox_message_id__in=[e.pk for e in candidates]).values_list(
            "outbox_message_id", flat=True
        )
    )
    for event in candidates:
        if event.pk not in asked:  # handled already if the event comes round again
            request_rating(event, portal)


def request_rating(message: OutboxMessage, portal: PortalSettings | None = None) -> None:
    payload = message.payload or {}
    portal = portal or PortalSettings.current()
    ticket = (
        Ticket.objects.select_related("requester")
        .filter(pk=int(payload.get("ticket_id") or 0))
        .first()
    )
    if ticket is None:
        return
    if payload.get("status_category") is None and not _resolved_by(ticket, payload.get("version")):
        return
    contact = ticket.requester
    CsatRequest.objects.create(
        ticket=ticket, contact=contact, outbox_message_id=message.pk, sent_at=clock.now()
    )
    link = emails.absolute(
        reverse("portal:rate", kwargs={"token": tokens.csat_token(ticket.pk, contact)})
    )
    emails.queue_rating_request(
        contact, ticket, link, dedupe_key=f"csat:{message.pk}", portal=portal
    )
