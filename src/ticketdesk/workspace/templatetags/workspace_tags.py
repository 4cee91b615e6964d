"""Small template helpers of the workspace."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

from ticketdesk.core.templatetags.dates import short_datetime
from ticketdesk.tickets.models import Level

register = template.Library()


@register.filter
def dictget(mapping: Any, key: Any) -> Any:
    """`{{ counts|dictget:view.key }}`"""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def filesize(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


@register.filter
def initials(name: str | None) -> str:
    parts = [p for p in (name or "").replace("@", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.filter
def since(value: Any) -> str:
    """A short “how long ago” (one unit: “3 days”)."""
    from django.utils.timesince import timesince
    from django.utils.translation import gettext

    from ticketdesk.core import clock

    if not value:
        return ""
    if (clock.now() - value).total_seconds() < 60:
        return gettext("just now")
    return timesince(value, clock.now(), depth=1)


@register.filter
def escalation_label(level: int | None) -> str:
    """`{{ ticket.escalation_level|escalation_label }}`: "Tier 2", "Specialists / lead"."""
    from ticketdesk.tickets.escalation import level_label

    return level_label(int(level or 0))


register.filter("short_datetime", short_datetime)


@register.filter
def language_label(code: str | None) -> str:
    """A language code (“pt-br”, “pt_BR”) by its name in the reader's language, as the
    language menus name it; an unknown code as stored."""
    if not code:
        return ""
    names = {key.lower(): name for key, name in settings.LANGUAGES}
    return str(names.get(str(code).lower().replace("_", "-"), code))


@register.filter
def priority_label(level: Any) -> str:
    """1..4 → Low, Medium, High, Critical in the viewer's language."""
    try:
        return str(Level(int(level)).label)
    except (TypeError, ValueError):
        return str(level)


@register.filter
def duration_minutes(value: Any) -> str:
    """150 → "2 h 30 min", 2400 → "40 h", 45 → "45 min" (SLA targets)."""
    try:
        total = int(value)
    except (TypeError, ValueError):
        return str(value)
    hours, minutes = divmod(total, 60)
    if not hours:
        return _("%(minutes)s min") % {"minutes": minutes}
    if not minutes:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
