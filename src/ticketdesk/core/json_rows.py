"""Small related lists folded into the query of their parent row as JSON (SQLite and
PostgreSQL): a page that shows a ticket with its tags, watchers and CC, or messages with
their attachments, reads them in the same query instead of one query per list.

    Ticket.objects.annotate(tag_rows=json_rows(
        Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk")), "ticket_id",
        name="tag__name"))

and `parse_rows(ticket.tag_rows)` gives `[{"name": ...}, ...]` (in no particular order: sort
in Python).
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Aggregate, Model, QuerySet, Subquery, TextField
from django.db.models.functions import JSONObject


class JSONList(Aggregate):
    """The values of a group as a JSON array, as text."""

    function = "JSON_GROUP_ARRAY"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            function="JSON_AGG",
            template="(%(function)s(%(expressions)s))::text",
            **extra,
        )


def json_rows(queryset: QuerySet[Any], group_by: str, **fields: Any) -> Subquery:
    """A subquery: the rows of `queryset` (filtered on an OuterRef to `group_by`) as one
    JSON array of objects with `fields` (name: column or expression); NULL without rows."""
    return Subquery(
        queryset.order_by()
        .values(group_by)
        .annotate(_json_rows=JSONList(JSONObject(**fields)))
        .values("_json_rows")[:1],
        output_field=TextField(),
    )


def parse_rows(value: str | None) -> list[dict[str, Any]]:
    return list(json.loads(value)) if value else []


def fill_prefetched(instance: Model, name: str, related: list[Any]) -> None:
    """Make `instance.<name>.all()` answer `related` without a query, as
    `prefetch_related` would have."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = related
    queryset._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = queryset
