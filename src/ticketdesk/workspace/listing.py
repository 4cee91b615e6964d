"""The ticket list: sorting, the filter bar and keyset pagination."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import DateTimeField, F, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ticketdesk.core.pagination import Page, keyset_page
from ticketdesk.search import filtering
from ticketdesk.tickets.models import Ticket

PAGE_SIZE = 50
FAR_FUTURE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)

# column key -> (label, sort keys without direction; the last is always the primary key)
COLUMNS: dict[str, tuple[Any, list[str]]] = {
    "number": (_("Number"), ["number", "id"]),
    "subject": (_("Subject"), ["subject", "id"]),
    "requester": (_("Requester"), ["requester__name", "id"]),
    "team": (_("Team"), ["sort_team", "id"]),
    "assignee": (_("Assignee"), ["sort_assignee", "id"]),
    "priority": (_("Priority"), ["priority", "updated_at", "id"]),
    "status": (_("Status"), ["sort_status", "updated_at", "id"]),
    "updated": (_("Updated"), ["updated_at", "id"]),
    "due": (_("Due"), ["sort_due", "id"]),
}
DEFAULT_DIRECTION = {
    "number": "desc",
    "priority": "desc",
    "updated": "desc",
    "subject": "asc",
    "requester": "asc",
    "team": "asc",
    "assignee": "asc",
    "status": "asc",
    "due": "asc",
}
# Filter-bar fields that become query terms (the bar is a friendlier way to write the query).
FILTER_PARAMS = ("status", "priority", "team", "assignee", "type", "channel", "tag", "escalated")


@dataclass
class Sort:
    column: str
    direction: str

    @property
    def ordering(self) -> list[str]:
        prefix = "-" if self.direction == "desc" else ""
        return [prefix + key for key in COLUMNS[self.column][1]]


def parse_sort(column: str | None, direction: str | None, default: str = "updated") -> Sort:
    column = column if column in COLUMNS else default
    assert column is not None
    if direction not in ("asc", "desc"):
        direction = DEFAULT_DIRECTION[column]
    return Sort(column, direction)


def with_sort_columns(queryset: QuerySet[Ticket], sort: Sort) -> QuerySet[Ticket]:
    """Add the non-NULL sort keys keyset pagination needs for nullable columns."""
    if sort.column == "team":
        return queryset.annotate(sort_team=Coalesce(F("team__name"), Value("")))
    if sort.column == "assignee":
        return queryset.annotate(sort_assignee=Coalesce(F("assignee__username"), Value("")))
    if sort.column == "status":
        return queryset.annotate(sort_status=F("status__order"))
    if sort.column == "due":
        return queryset.annotate(
            sort_due=Coalesce(F("due_at"), Value(FAR_FUTURE, output_field=DateTimeField()))
        )
    return queryset


def filter_query(params: Any) -> filtering.ParsedQuery:
    """The search box (`q`) plus the filter bar, as one parsed query."""
    parsed = filtering.parse_query(params.get("q", ""))
    for key in FILTER_PARAMS:
        value = (params.get(key) or "").strip()
        if value:
            parsed.terms.append(filtering.Term(key=key, values=(value,)))
    return parsed


def page_of(
    queryset: QuerySet[Ticket], sort: Sort, cursor: str | None, limit: int | None = None
) -> Page[Ticket]:
    qs = with_sort_columns(queryset, sort).prefetch_related("tags")
    return keyset_page(qs, sort.ordering, cursor=cursor or None, limit=limit or PAGE_SIZE)
