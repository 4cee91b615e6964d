"""The portal's consumer: ask the requester for a rating when a ticket is resolved (the mail
is queued in the same transaction and sent after commit)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
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


@outbox.consumer("csat", topics=("ticket.updated",), live_only=True, chunk_size=25)
def request_ratings(events: list[OutboxMessage]) -> None:
    for event in events:
        request_rating(event)


def request_rating(message: OutboxMessage) -> None:
    payload = message.payload or {}
    if "status" not in (payload.get("changes") or []):
        return
    category = payload.get("status_category")
    if category is not None and category != StatusCategory.RESOLVED:
        return  # the change left the ticket elsewhere than resolved
    if not outbox.batch_cached("portal.settings", PortalSettings.current).csat_enabled:
        return
    ticket = (
        Ticket.objects.select_related("requester")
        .filter(pk=int(payload.get("ticket_id") or 0))
        .first()
    )
    if ticket is None or not _resolved_by(ticket, payload.get("version")):
        return
    contact = ticket.requester
    try:
        with transaction.atomic():
            CsatRequest.objects.create(
                ticket=ticket, contact=contact, outbox_message_id=message.pk, sent_at=clock.now()
            )
    except IntegrityError:  # already handled (the row was delivered again)
        return
    link = emails.absolute(
        reverse("portal:rate", kwargs={"token": tokens.csat_token(ticket.pk, contact)})
    )
    emails.queue_rating_request(contact, ticket, link, dedupe_key=f"csat:{message.pk}")
