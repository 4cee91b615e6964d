"""Reads of the configuration changes page: audit entries about configuration rows (and
imports of the configuration file), newest first, one keyset page at a time.

Every filter is served by an index of the audit log: the kinds by `audit_target` (target
type first), a person by `audit_actor`, the period by the time column of either."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ticketdesk.accounts.models import Role, User
from ticketdesk.audit.models import AuditEntry
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.core.pagination import Page, keyset_page

from .kinds import KINDS

PAGE_SIZE = 50
ORDERING = ["-created_at", "-id"]
IMPORTS = "configuration"  # the target type of an import's summary entry


def kind_choices() -> list[tuple[str, str]]:
    """(target type, name) of every kind of configuration row, and the file's imports."""
    seen: dict[str, str] = {IMPORTS: _("Configuration file imports")}
    for kind in KINDS:
        if kind.exported:
            seen.setdefault(kind.model._meta.label_lower, str(kind.label).capitalize())
    return sorted(seen.items(), key=lambda pair: pair[1])


@dataclass
class ChangeFilters:
    actor: str = ""
    kind: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_query(self) -> dict[str, str]:
        values = {
            "actor": self.actor,
            "kind": self.kind,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in values.items() if v}


def _date(params: Any, name: str) -> dt.date | None:
    value = str(params.get(name, "")).strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        message = _("Enter a date as YYYY-MM-DD.")
        raise ValidationFailed(message, fields={name: [message]}) from exc


def parse_filters(params: Any) -> ChangeFilters:
    kind = str(params.get("kind", "")).strip()
    if kind and kind not in dict(kind_choices()):
        message = _("Choose a kind from the list.")
        raise ValidationFailed(message, fields={"kind": [message]})
    filters = ChangeFilters(
        actor=str(params.get("actor", "")).strip()[:150],
        kind=kind,
        date_from=_date(params, "from"),
        date_to=_date(params, "to"),
    )
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        message = _("The period ends before it starts.")
        raise ValidationFailed(message, fields={"to": [message]})
    return filters


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def changes(filters: ChangeFilters) -> QuerySet[AuditEntry]:
    kinds = [filters.kind] if filters.kind else [value for value, _label in kind_choices()]
    queryset = AuditEntry.objects.filter(target_type__in=kinds, action__startswith="config.")
    if filters.actor:
        user_id = User.objects.filter(username=filters.actor).values_list("pk", flat=True).first()
        if user_id is not None:
            queryset = queryset.filter(actor_id=user_id)
        else:  # a deleted user: the name kept with the entry
            queryset = queryset.filter(actor_label=filters.actor)
    if filters.date_from:
        queryset = queryset.filter(created_at__gte=_midnight(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(created_at__lt=_midnight(filters.date_to + dt.timedelta(days=1)))
    return queryset.only(
        "created_at", "actor_label", "action", "target_type", "target_id", "target_label", "details"
    )


def page(filters: ChangeFilters, cursor: str | None) -> Page[AuditEntry]:
    return keyset_page(changes(filters), ORDERING, cursor=cursor, limit=PAGE_SIZE)


def administrators() -> list[str]:
    """User names for the "who" picker: the people who may change the configuration."""
    return list(
        User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
        .order_by("username")
        .values_list("username", flat=True)[:200]
    )
