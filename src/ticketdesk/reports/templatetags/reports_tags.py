from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(seconds: Any) -> str:
    """1 h 5 min / 2 d 3 h / 45 s; "—" for no data."""
    if seconds is None or seconds == "":
        return "—"
    seconds = round(float(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)s min") % {"m": minutes}
    return _("%(s)s s") % {"s": secs}


@register.filter
def percent(value: Any) -> str:
    if value is None:
        return "—"
    return f"{float(value):.1f} %"


@register.filter
def number(value: Any) -> str:
    if value is None:
        return "—"
    text = f"{float(value):.1f}"
    return text[:-2] if text.endswith(".0") else text
