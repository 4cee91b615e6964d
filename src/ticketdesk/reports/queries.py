"""Reads of the reports app (other than the metrics): filter choices and ticket exports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Organization, Team, User
from ticketdesk.search import filtering
from ticketdesk.tickets.models import Category, Channel, TicketType

from .filters import ReportFilters

MAX_OPTIONS = 300

TICKET_COLUMNS = (
    ("number", gettext_lazy("Number")),
    ("subject", gettext_lazy("Subject")),
    ("status__name", gettext_lazy("Status")),
    ("priority", gettext_lazy("Priority")),
    ("team__name", gettext_lazy("Team")),
    ("assignee__username", gettext_lazy("Assignee")),
    ("requester__email", gettext_lazy("Requester")),
    ("organization__name", gettext_lazy("Organization")),
    ("ticket_type__name", gettext_lazy("Type")),
    ("category__path", gettext_lazy("Category")),
    ("channel", gettext_lazy("Channel")),
    ("created_at", gettext_lazy("Created")),
    ("updated_at", gettext_lazy("Updated")),
    ("first_response_at", gettext_lazy("First response")),
    ("resolved_at", gettext_lazy("Resolved")),
)


def channel_choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in Channel.choices]


def filter_options(f: ReportFilters) -> dict[str, list[tuple[int, str]]]:
    teams = Team.objects.all()
    agents = User.objects.filter(role__in=("admin", "agent", "light_agent"), is_active=True)
    if f.allowed_team_ids is not None:
        teams = teams.filter(pk__in=f.allowed_team_ids)
        agents = agents.filter(team_memberships__team_id__in=f.allowed_team_ids).distinct()
    return {
        "teams": list(teams.order_by("name").values_list("pk", "name")[:MAX_OPTIONS]),
        "agents": [
            (u.pk, u.display_name)
            for u in agents.order_by("first_name", "username").only(
                "username", "first_name", "last_name"
            )[:MAX_OPTIONS]
        ],
        "types": list(TicketType.objects.values_list("pk", "name")[:MAX_OPTIONS]),
        "categories": list(Category.objects.values_list("pk", "path")[:MAX_OPTIONS]),
        "organizations": list(
            Organization.objects.order_by("name").values_list("pk", "name")[:MAX_OPTIONS]
        ),
    }


def ticket_export(user: Any, query: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Headers and a streamed row iterator of the tickets `user` may see matching `query`
    (the workspace query language)."""
    qs = policy.visible_tickets(user)
    if query.strip():
        qs = filtering.apply_filters(qs, query, user)
    rows = (
        qs.order_by("-created_at", "-id")
        .values_list(*(name for name, _label in TICKET_COLUMNS))
        .iterator(chunk_size=2000)
    )
    return [str(label) for _name, label in TICKET_COLUMNS], rows
