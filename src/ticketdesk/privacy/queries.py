"""Reads of the audit page: the entries matching its filters, newest first, one keyset
page at a time (no COUNT over the log)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ticketdesk.accounts.models import User
from ticketdesk.audit.models import AuditEntry
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.core.pagination import Page, keyset_page

PAGE_SIZE = 50
ORDERING = ["-created_at", "-id"]


@dataclass
class AuditFilters:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""

    def as_query(self) -> dict[str, str]:
        values = {
            "actor": self.actor,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "q": self.q,
        }
        return {k: v for k, v in values.items() if v}


def _date(value: str, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(
            _("Enter a date as YYYY-MM-DD."), fields={name: [_("Enter a date as YYYY-MM-DD.")]}
        ) from exc


def parse_filters(params: Any) -> AuditFilters:
    return AuditFilters(
        actor=str(params.get("actor", "")).strip()[:150],
        action=str(params.get("action", "")).strip()[:60],
        target_type=str(params.get("target_type", "")).strip()[:60],
        target_id=str(params.get("target_id", "")).strip()[:64],
        date_from=_date(str(params.get("from", "")).strip(), "from"),
        date_to=_date(str(params.get("to", "")).strip(), "to"),
        q=str(params.get("q", "")).strip()[:100],
    )


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def entries(filters: AuditFilters) -> QuerySet[AuditEntry]:
    """Each filter is served by an index (see AuditEntry.Meta); `q` (words in the target's
    name) is checked only on the rows the other filters leave."""
    queryset = AuditEntry.objects.all()
    if filters.actor:
        user_id = User.objects.filter(username=filters.actor).values_list("pk", flat=True).first()
        if user_id is not None:
            queryset = queryset.filter(actor_id=user_id)
        else:  # a deleted or erased user: the name kept with the entry
            queryset = queryset.filter(actor_label=filters.actor)
    if filters.action:
        queryset = queryset.filter(action=filters.action)
    if filters.target_type:
        queryset = queryset.filter(target_type=filters.target_type)
    if filters.target_id:
        queryset = queryset.filter(target_id=filters.target_id)
    if filters.date_from:
        queryset = queryset.filter(created_at__gte=_midnight(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(created_at__lt=_midnight(filters.date_to + dt.timedelta(days=1)))
    if filters.q:
        queryset = queryset.filter(target_label__icontains=filters.q)
    return queryset


def page(filters: AuditFilters, cursor: str | None) -> Page[AuditEntry]:
    return keyset_page(entries(filters), ORDERING, cursor=cursor, limit=PAGE_SIZE)


EXPORT_LIMIT = 100_000


def export_rows(filters: AuditFilters) -> Iterator[tuple[Any, ...]]:
    rows = (
        entries(filters)
        .order_by(*ORDERING)
        .values_list(
            "created_at",
            "actor_label",
            "ip",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "details",
        )
    )
    for *columns, details in rows[:EXPORT_LIMIT].iterator(chunk_size=2000):
        yield (*columns, json.dumps(details, ensure_ascii=False, sort_keys=True))
