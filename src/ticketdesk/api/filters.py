"""Query-string filters of the ticket list (the same query syntax as the workspace in `q`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from ninja import Field

from ticketdesk.search import filtering
from ticketdesk.tickets.models import Tag, Ticket

from .schemas import MAX_ID, In

SORTS = {
    "-updated_at": ["-updated_at", "-id"],
    "updated_at": ["updated_at", "id"],
    "-created_at": ["-created_at", "-id"],
    "created_at": ["created_at", "id"],
}


class TicketFilters(In):
    q: str | None = Field(None, max_length=500, description="Workspace query syntax.")
    status: str | None = Field(None, max_length=500, description="Status keys, comma-separated.")
    status_category: str | None = Field(
        None, max_length=100, description="new, open, pending, resolved, closed (comma-separated)."
    )
    team: int | None = Field(None, ge=1, le=MAX_ID)
    assignee: str | None = Field(None, max_length=20, description='A user id, "me" or "none".')
    requester: int | None = Field(None, ge=1, le=MAX_ID)
    organization: int | None = Field(None, ge=1, le=MAX_ID)
    priority: int | None = Field(None, ge=1, le=4)
    ticket_type: str | None = Field(None, max_length=40, description="Ticket type key.")
    category: int | None = Field(None, ge=1, le=MAX_ID)
    tag: str | None = Field(None, max_length=60)
    channel: str | None = Field(None, max_length=10)
    sla_state: str | None = Field(None, max_length=10)
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    updated_after: dt.datetime | None = None
    updated_before: dt.datetime | None = None
    sort: Literal["-updated_at", "updated_at", "-created_at", "created_at"] = "-updated_at"
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(25, ge=1, le=100)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def apply(qs: QuerySet[Ticket], filters: TicketFilters, user: Any) -> QuerySet[Ticket]:
    if filters.status:
        qs = qs.filter(status__key__in=_csv(filters.status))
    if filters.status_category:
        qs = qs.filter(status_category__in=_csv(filters.status_category))
    if filters.team is not None:
        qs = qs.filter(team_id=filters.team)
    if filters.assignee:
        value = filters.assignee.strip().lower()
        if value == "me":
            qs = qs.filter(assignee_id=user.pk)
        elif value == "none":
            qs = qs.filter(assignee__isnull=True)
        elif value.isdigit() and int(value) <= MAX_ID:
            qs = qs.filter(assignee_id=int(value))
        else:
            qs = qs.none()
    if filters.requester is not None:
        qs = qs.filter(requester_id=filters.requester)
    if filters.organization is not None:
        qs = qs.filter(organization_id=filters.organization)
    if filters.priority is not None:
        qs = qs.filter(priority=filters.priority)
    if filters.ticket_type:
        qs = qs.filter(ticket_type__key=filters.ticket_type)
    if filters.category is not None:
        qs = qs.filter(category_id=filters.category)
    if filters.tag:
        tagged = Ticket.tags.through.objects.filter(
            tag_id__in=Tag.objects.filter(name__iexact=filters.tag.strip()).values("pk")
        ).values("ticket_id")
        qs = qs.filter(pk__in=tagged)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.sla_state:
        qs = qs.filter(sla_state=filters.sla_state)
    for name, lookup in (
        ("created_after", "created_at__gte"),
        ("created_before", "created_at__lt"),
        ("updated_after", "updated_at__gte"),
        ("updated_before", "updated_at__lt"),
    ):
        value = getattr(filters, name)
        if value is not None:
            qs = qs.filter(**{lookup: _aware(value)})
    if filters.q and filters.q.strip():
        qs = apply_query_text(qs, filters.q, user)
    return qs


def apply_query_text(qs: QuerySet[Ticket], text: str, user: Any) -> QuerySet[Ticket]:
    """The workspace's query syntax (tickets.filtering)."""
    return filtering.apply_filters(qs, text, user)
