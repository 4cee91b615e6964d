"""Customer journey: every ticket of a contact or an organization across channels, one
timeline of their events, and the CSAT trend. Limited to the tickets the viewer may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact, Organization
from ticketdesk.core.errors import NotFound, PermissionDenied
from ticketdesk.tickets.models import Ticket, TicketEvent

from .models import TicketFact

MAX_TICKETS = 200
MAX_EVENTS = 300
MAX_RATINGS = 60
TIMELINE_KINDS = ("created", "status_changed", "message_added", "merged_into", "csat", "sla")


def subject_of(kind: str, pk: int) -> Contact | Organization:
    model: Any = Contact if kind == "contact" else Organization
    try:
        return model.objects.get(pk=pk)  # type: ignore[no-any-return]
    except model.DoesNotExist:
        raise NotFound(_("Not found.")) from None


def journey(user: Any, kind: str, pk: int) -> dict[str, Any]:
    if not policy.is_staff_member(user):
        raise PermissionDenied(_("You are not allowed to do this."))
    subject = subject_of(kind, pk)
    field = "requester_id" if kind == "contact" else "organization_id"
    tickets: QuerySet[Ticket] = policy.visible_tickets(user).filter(**{field: pk})
    ticket_ids = tickets.values("pk")
    listed = list(
        tickets.select_related("status", "team", "assignee", "requester")
        .order_by("-created_at", "-id")
        .only(
            "number",
            "subject",
            "channel",
            "created_at",
            "resolved_at",
            "status__name",
            "status__category",
            "team__name",
            "assignee__username",
            "assignee__first_name",
            "assignee__last_name",
            "requester__name",
            "requester__email",
        )[:MAX_TICKETS]
    )
    facts = TicketFact.objects.filter(ticket_id__in=ticket_ids, merged=False)
    totals = facts.aggregate(
        tickets=Count("pk"),
        open=Count("pk", filter=Q(is_open=True)),
        csat=Avg("csat_score"),
        csat_count=Count("csat_score"),
        first_response=Avg("first_response_seconds"),
        resolution=Avg("resolution_seconds"),
    )
    channels = list(facts.values_list("channel").annotate(n=Count("pk")).order_by("-n", "channel"))
    ratings = list(
        facts.filter(csat_score__isnull=False)
        .order_by("-created_at")
        .values_list("created_date", "number", "csat_score")[:MAX_RATINGS]
    )
    ratings.reverse()
    events = list(
        TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind__in=TIMELINE_KINDS)
        .select_related("ticket", "actor_user", "actor_contact")
        .only(
            "kind",
            "created_at",
            "data",
            "new_value",
            "ticket__number",
            "ticket__subject",
            "actor_user__username",
            "actor_user__first_name",
            "actor_user__last_name",
            "actor_contact__name",
            "actor_contact__email",
        )
        .order_by("-created_at", "-id")[:MAX_EVENTS]
    )
    return {
        "subject": subject,
        "kind": kind,
        "tickets": listed,
        "totals": totals,
        "channels": channels,
        "ratings": ratings,
        "events": events,
    }
