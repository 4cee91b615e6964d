"""Reads of the reports app (other than the metrics): filter choices and ticket exports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Organization, Team, User
from ticketdesk.search import filtering
from ticketdesk.tickets import display
from ticketdesk.tickets.models import Category, Channel, Level, TicketType

from .filters import ReportFilters

MAX_OPTIONS = 300

TICKET_COLUMNS = (
    ("number", gettext_lazy("Number")),
    ("subject", gettext_lazy("Subject")),
    ("status_id", gettext_lazy("Status")),
    ("priority", gettext_lazy("Priority")),
    ("team__name", gettext_lazy("Team")),
    ("assignee__username", gettext_lazy("Assignee")),
    ("requester__email", gettext_lazy("Requester")),
    ("organization__name", gettext_lazy("Organization")),
    ("ticket_type_id", gettext_lazy("Type")),
    ("category_id", gettext_lazy("Category")),
    ("business_area_id", gettext_lazy("Business area")),
    ("channel", gettext_lazy("Channel")),
    ("created_at", gettext_lazy("Created")),
    ("updated_at", gettext_lazy("Updated")),
    ("first_response_at", gettext_lazy("First response")),
    ("resolved_at", gettext_lazy("Resolved")),
)
# columns exported as ids and written as names in the reader's language
NAMED_COLUMNS = {
    "status_id": "status",
    "ticket_type_id": "ticket_type",
    "category_id": "category",
    "business_area_id": "business_area",
}


def channel_choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in Channel.choices]


def _named(queryset: Any, kind: str) -> list[tuple[int, str]]:
    """(id, name in the viewer's language) of the first MAX_OPTIONS rows."""
    names = display.names_of(kind)
    return [(pk, names.get(pk, "")) for pk in queryset.values_list("pk", flat=True)[:MAX_OPTIONS]]


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
        "types": _named(TicketType.objects.order_by("order", "id"), "ticket_type"),
        "categories": sorted(
            _named(Category.objects.all(), "category"), key=lambda item: item[1].lower()
        ),
        "organizations": list(
            Organization.objects.order_by("name").values_list("pk", "name")[:MAX_OPTIONS]
        ),
    }


def ticket_export(user: Any, query: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Headers and a streamed row iterator of the tickets `user` may see matching `query`
    (the workspace query language), with statuses, types, categories, business areas,
    priorities and channels named in the reader's language."""
    qs = policy.visible_tickets(user)
    if query.strip():
        qs = filtering.apply_filters(qs, query, user)
    fields = [name for name, _label in TICKET_COLUMNS]
    rows = qs.order_by("-created_at", "-id").values_list(*fields).iterator(chunk_size=2000)
    return [str(label) for _name, label in TICKET_COLUMNS], _named_rows(fields, rows)


def _named_rows(fields: list[str], rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    names = {
        index: display.names_of(NAMED_COLUMNS[field])
        for index, field in enumerate(fields)
        if field in NAMED_COLUMNS
    }
    priority = fields.index("priority")
    channel = fields.index("channel")
    levels = {value: str(label) for value, label in Level.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    for row in rows:
        values = list(row)
        for index, named in names.items():
            values[index] = named.get(values[index], "") if values[index] is not None else ""
        values[priority] = levels.get(values[priority], values[priority])
        values[channel] = channels.get(values[channel], values[channel])
        yield tuple(values)
