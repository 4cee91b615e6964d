"""Turning ids and keys from a request into objects, with field errors for bad ones."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from ticketdesk.core.errors import ValidationFailed

M = TypeVar("M", bound=Model)


def pick(qs: QuerySet[M], field: str, **lookup: Any) -> M:
    """The one object of `qs` matching `lookup`, or a ValidationFailed on `field`."""
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise ValidationFailed(
            _("Unknown %(field)s.") % {"field": field},
            fields={field: [_("No such object.")]},
        )
    return obj


def optional_pick(qs: QuerySet[M], field: str, value: Any, attr: str = "pk") -> M | None:
    if value is None:
        return None
    return pick(qs, field, **{attr: value})


def parse_if_match(value: str | None) -> int | None:
    """`If-Match: "7"` (or W/"7") → 7."""
    if not value:
        return None
    raw = value.strip()
    if raw.startswith("W/"):
        raw = raw[2:]
    raw = raw.strip('"')
    if not raw.isdigit() or len(raw) > 15:
        raise ValidationFailed(
            _("If-Match must be the ticket's ETag."),
            fields={"If-Match": [_('Use the ETag of the ticket, e.g. "3".')]},
        )
    return int(raw)


def etag(version: int) -> str:
    return f'"{version}"'
