"""Keyset pages for the API, with a 400 (not a 500) for a forged or stale cursor.

For orderings whose columns all run the same way (the API's sorts), the "after the cursor"
condition is a row-value comparison, `(updated_at, id) < (%s, %s)`, which SQLite and
PostgreSQL answer with one seek on the composite index, however many rows share a timestamp
and however deep the page. Other orderings use `core.pagination.keyset_page`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, connections
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from ticketdesk.core.errors import ValidationFailed
from ticketdesk.core.pagination import Page, decode_cursor, encode_cursor, keyset_page

M = TypeVar("M", bound=Model)
CURSOR_ERRORS = (ValueError, TypeError, OverflowError, DjangoValidationError, DataError)


def _invalid_cursor() -> ValidationFailed:
    return ValidationFailed(_("Invalid cursor."), fields={"cursor": [_("Invalid cursor.")]})


def _value_of(obj: Model, name: str) -> Any:
    value = getattr(obj, name)
    return value.pk if isinstance(value, Model) else value


def _after(queryset: QuerySet[M], ordering: list[str], values: list[Any]) -> QuerySet[M]:
    model = queryset.model
    connection = connections[queryset.db]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns, params = [], []
    for key, value in zip(ordering, values, strict=True):
        name = key.lstrip("-")
        field: Any = model._meta.pk if name == "pk" else model._meta.get_field(name)
        columns.append(f"{table}.{quote(str(field.column))}")
        params.append(field.get_db_prep_value(field.to_python(value), connection))
    operator = "<" if ordering[0].startswith("-") else ">"
    marks = ", ".join(["%s"] * len(params))
    condition = f"({', '.join(columns)}) {operator} ({marks})"
    return queryset.extra(where=[condition], params=params)  # noqa: S610 (no user SQL)


def page_of(
    queryset: QuerySet[M], ordering: list[str], *, cursor: str | None, limit: int
) -> Page[M]:
    same_direction = len({key.startswith("-") for key in ordering}) == 1
    try:
        if len(ordering) < 2 or not same_direction:
            return keyset_page(queryset, ordering, cursor=cursor, limit=limit)
        qs = queryset.order_by(*ordering)
        if cursor:
            qs = _after(qs, ordering, decode_cursor(cursor, len(ordering)))
        rows = list(qs[: limit + 1])
    except ValidationFailed:
        raise
    except (*CURSOR_ERRORS, FieldDoesNotExist):
        raise _invalid_cursor() from None
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit and items:
        last = items[-1]
        next_cursor = encode_cursor([_value_of(last, key.lstrip("-")) for key in ordering])
    return Page(items=items, next_cursor=next_cursor, has_more=len(rows) > limit)


def resume_cursor(page: Page[M], previous: str | None) -> str | None:
    """For feeds read in id order: a cursor to resume from even after the last page."""
    if page.next_cursor is not None:
        return page.next_cursor
    if page.items:
        return encode_cursor([page.items[-1].pk])
    return previous
