"""Events: one ticket's history and the global change feed (for sync)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router

from ticketdesk.accounts import policy
from ticketdesk.tickets import queries
from ticketdesk.tickets.models import Ticket

from .. import serializers
from ..paging import page_of, resume_cursor
from ..schemas import EventPage, In
from .tickets import ERRORS, Number, get_ticket, user_of

ticket_router = Router(tags=["events"])
feed_router = Router(tags=["events"])


class FeedParams(In):
    cursor: str | None = Field(None, max_length=1000, description="next_cursor of a page.")
    limit: int = Field(100, ge=1, le=500)


@ticket_router.get(
    "/{number}/events", response={200: EventPage, **ERRORS}, summary="A ticket's history"
)
def ticket_events(request: HttpRequest, params: Query[FeedParams], number: int = Number) -> Any:
    user = user_of(request)
    ticket = get_ticket(request, number)
    qs = queries.events_for(user, ticket)
    page = page_of(qs, ["created_at", "id"], cursor=params.cursor, limit=params.limit)
    events = queries.hide_unseen_tickets(user, list(page.items))
    return {
        "items": [serializers.event_out(e, ticket.number) for e in events],
        "next_cursor": page.next_cursor,
    }


@feed_router.get(
    "",
    response={200: EventPage, **ERRORS},
    summary="Change feed",
    description="Every visible ticket event in id order. Keep the last `next_cursor` and ask "
    "again to receive what happened since; an empty page still returns a cursor to resume.",
)
def feed(request: HttpRequest, params: Query[FeedParams]) -> Any:
    user = user_of(request)
    policy.require(user, policy.VIEW_EVENT_FEED)
    qs = queries.event_feed(user)
    page = page_of(qs, ["id"], cursor=params.cursor, limit=params.limit)
    numbers = dict(
        Ticket.objects.filter(pk__in={e.ticket_id for e in page.items}).values_list("pk", "number")
    )
    events = queries.hide_unseen_tickets(user, list(page.items))
    return {
        "items": [serializers.event_out(e, numbers.get(e.ticket_id)) for e in events],
        "next_cursor": resume_cursor(page, params.cursor),
    }
