"""Keyset (cursor) pagination: no OFFSET scans, stable under inserts.

A cursor encodes the sort values of the last row of a page. Ordering must end with a unique
column (the primary key) so that the order is total.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.db.models import Model, Q, QuerySet

from .errors import ValidationFailed

M = TypeVar("M", bound=Model)


@dataclass
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None
    has_more: bool


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "dt" in value:
            return dt.datetime.fromisoformat(value["dt"])
        if "d" in value:
            return dt.date.fromisoformat(value["d"])
        if "dec" in value:
            return Decimal(value["dec"])
    return value


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, expected: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("Invalid cursor.", fields={"cursor": ["Invalid cursor."]}) from exc
    if not isinstance(values, list) or len(values) != expected:
        raise ValidationFailed("Invalid cursor.", fields={"cursor": ["Invalid cursor."]})
    return [_decode_value(v) for v in values]


def _field_value(obj: Model, field: str) -> Any:
    value: Any = obj
    for part in field.split("__"):
        if value is None:
            return None
        value = getattr(value, part)
    if isinstance(value, Model):
        value = value.pk
    return value


def keyset_page(
    queryset: QuerySet[M], ordering: list[str], *, cursor: str | None, limit: int
) -> Page[M]:
    """Return one page of `queryset` ordered by `ordering` (e.g. ["-updated_at", "-id"]).

    The last item of `ordering` must be unique (the primary key). Columns in `ordering`
    must not be NULL (use a coalesced annotation for nullable sort keys).
    """
    if not ordering or ordering[-1].lstrip("-") not in {"id", "pk"}:
        raise ValueError("keyset ordering must end with the primary key")
    qs = queryset.order_by(*ordering)
    if cursor:
        values = decode_cursor(cursor, len(ordering))
        condition = Q()
        # (a, b, c) > (x, y, z)  ==  a>x OR (a=x AND b>y) OR (a=x AND b=y AND c>z)
        for i, key in enumerate(ordering):
            name = key.lstrip("-")
            op = "lt" if key.startswith("-") else "gt"
            branch = Q(**{f"{name}__{op}": values[i]})
            for j in range(i):
                branch &= Q(**{ordering[j].lstrip("-"): values[j]})
            condition |= branch
        qs = qs.filter(condition)
    rows = list(qs[: limit + 1])
    has_more = len(rows) > limit
    items = rows[:limit]
    next_cursor = None
    if has_more and items:
        last = items[-1]
        next_cursor = encode_cursor([_field_value(last, key.lstrip("-")) for key in ordering])
    return Page(items=items, next_cursor=next_cursor, has_more=has_more)
