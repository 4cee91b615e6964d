"""Reads: QuerySets already filtered by the policy and shaped for their page."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.core.errors import NotFound

from .models import Attachment, Message, Ticket, TicketEvent, TicketLink
from .numbering import parse_number

LIST_FIELDS = (
    "id",
    "number",
    "subject",
    "requester__id",
    "requester__name",
    "requester__email",
    "team__id",
    "team__name",
    "assignee__id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "status__id",
    "status__name",
    "status__key",
    "status__category",
    "status_category",
    "priority",
    "urgency",
    "impact",
    "channel",
    "created_at",
    "updated_at",
    "due_at",
    "sla_state",
    "version",
    "organization_id",
    "ticket_type_id",
    "category_id",
    "last_message_at",
)


def tickets_for_list(user: Any) -> QuerySet[Ticket]:
    """The visible tickets with what a list row shows (one query per page)."""
    return (
        policy.visible_tickets(user)
        .select_related("requester", "team", "assignee", "status")
        .only(*LIST_FIELDS)
    )


def ticket_detail(user: Any, number_or_pk: int | str, *, by: str = "number") -> Ticket:
    """One visible ticket with its related rows, or NotFound (also when hidden from `user`,
    so that guessing numbers reveals nothing)."""
    qs = policy.visible_tickets(user).select_related(
        "requester",
        "organization",
        "team",
        "assignee",
        "status",
        "ticket_type",
        "category",
        "business_area",
        "merged_into",
    )
    try:
        if by == "number":
            number = (
                parse_number(str(number_or_pk)) if isinstance(number_or_pk, str) else number_or_pk
            )
            if number is None:
                raise Ticket.DoesNotExist
            return qs.get(number=number)
        return qs.get(pk=number_or_pk)
    except Ticket.DoesNotExist:
        raise NotFound(_("This ticket does not exist or you cannot see it.")) from None


def messages_for(user: Any, ticket: Ticket) -> QuerySet[Message]:
    return (
        policy.visible_messages(user, ticket)
        .select_related("author_user", "author_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )


def events_for(user: Any, ticket: Ticket) -> QuerySet[TicketEvent]:
    qs = TicketEvent.objects.filter(ticket=ticket).select_related("actor_user", "actor_contact")
    if not policy.can(user, policy.VIEW_INTERNAL, ticket):
        qs = qs.exclude(
            kind__in=["note_added", "rule_fired", "sla", "watcher_added", "watcher_removed"]
        )
    return qs.order_by("created_at", "id")


def links_for(ticket: Ticket) -> list[TicketLink]:
    """Links in both directions, with the other ticket loaded."""
    outgoing = TicketLink.objects.filter(source=ticket).select_related("target", "target__status")
    incoming = TicketLink.objects.filter(target=ticket).select_related("source", "source__status")
    return [*outgoing, *incoming]


def requester_history(user: Any, ticket: Ticket, limit: int = 10) -> list[Ticket]:
    """The requester's other visible tickets: open ones first, then the most recent."""
    qs = tickets_for_list(user).filter(requester_id=ticket.requester_id).exclude(pk=ticket.pk)
    open_ones = list(
        qs.exclude(status_category__in=["resolved", "closed"]).order_by("-updated_at")[:limit]
    )
    rest = list(
        qs.filter(status_category__in=["resolved", "closed"]).order_by("-updated_at")[
            : max(0, limit - len(open_ones))
        ]
    )
    return open_ones + rest
