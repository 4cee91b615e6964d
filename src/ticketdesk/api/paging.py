"""Keyset pages for the API, with a 400 (not a 500) for a forged or stale cursor."""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from ticketdesk.core.errors import ValidationFailed
from ticketdesk.core.pagination import Page, encode_cursor, keyset_page

M = TypeVar("M", bound=Model)


def page_of(
    queryset: QuerySet[M], ordering: list[str], *, cursor: str | None, limit: int
) -> Page[M]:
    try:
        return keyset_page(queryset, ordering, cursor=cursor, limit=limit)
    except (ValueError, TypeError, OverflowError, DjangoValidationError, DataError):
        raise ValidationFailed(
            _("Invalid cursor."), fields={"cursor": [_("Invalid cursor.")]}
        ) from None


def resume_cursor(page: Page[M], previous: str | None) -> str | None:
    """For feeds read in id order: a cursor to resume from even after the last page."""
    if page.next_cursor is not None:
        return page.next_cursor
    if page.items:
        return encode_cursor([page.items[-1].pk])
    return previous
