"""Customer journey: every ticket of a contact or an organization across channels, one
timeline of their events, and the CSAT trend. Limited to the tickets the viewer may see.
Totals cover every ticket; the list and the timeline the newest MAX_TICKETS."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact, Organization
from ticketdesk.core.errors import NotFound
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
    policy.require(user, policy.VIEW_REPORTS)  # like the dashboard: leads and admins
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
            "status__translations",
            "status__category",
            "team__name",
            "assignee__username",
            "assignee__first_name",
            "assignee__last_name",
            "requester__name",
            "requester__email",
        )[:MAX_TICKETS]
    )
    if policy.is_admin(user):  # sees every ticket: no need to join the visible ones
        facts = TicketFact.objects.filter(**{field: pk}, merged=False)
    else:
        facts = TicketFact.objects.filter(ticket_id__in=ticket_ids, merged=False)
    # one grouped pass: per channel, then the totals summed here
    per_channel = list(
        facts.values("channel")
        .annotate(
            tickets=Count("pk"),
            open=Count("pk", filter=Q(is_open=True)),
            csat_sum=Sum("csat_score"),
            csat_count=Count("csat_score"),
            first_response_sum=Sum("first_response_seconds"),
            first_response_count=Count("first_response_seconds"),
            resolution_sum=Sum("resolution_seconds"),
            resolution_count=Count("resolution_seconds"),
        )
        .order_by()
    )
    sums = {
        name: sum(row[name] or 0 for row in per_channel)
        for name in (
            "tickets",
            "open",
            "csat_sum",
            "csat_count",
            "first_response_sum",
            "first_response_count",
            "resolution_sum",
            "resolution_count",
        )
    }

    def average(name: str) -> float | None:
        count = sums[f"{name}_count"]
        return sums[f"{name}_sum"] / count if count else None

    totals = {
        "tickets": sums["tickets"],
        "open": sums["open"],
        "csat": average("csat"),
        "csat_count": sums["csat_count"],
        "first_response": average("first_response"),
        "resolution": average("resolution"),
    }
    channels = sorted(
        ((row["channel"], row["tickets"]) for row in per_channel), key=lambda c: (-c[1], c[0])
    )
    ratings = list(
        facts.filter(csat_score__isnull=False)
        .order_by("-created_at")
        .values_list("created_date", "number", "csat_score")[:MAX_RATINGS]
    )
    ratings.reverse()
    events = list(
        # the listed (newest) tickets' events: an index range per ticket, however many
        # tickets the organization has
        TicketEvent.objects.filter(ticket_id__in=[t.pk for t in listed], kind__in=TIMELINE_KINDS)
        # numbered per ticket: the newest MAX_EVENTS of each come from the per-ticket index,
        # where a plain ORDER BY … LIMIT led PostgreSQL to walk the whole event feed backwards
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("ticket_id")],
                order_by=[F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(position__lte=MAX_EVENTS)
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
