from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ticketdesk.tickets import display

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
    """12.5 → “12.5%” in English, “12,5%” in Portuguese and Italian."""
    if value is None:
        return "—"
    return _("%(number)s%%") % {"number": number_format(round(float(value), 1), 1)}


@register.filter
def number(value: Any) -> str:
    """A count or an average with at most one decimal, in the reader's number format."""
    if value is None:
        return "—"
    rounded = round(float(value), 1)
    if rounded.is_integer():
        return number_format(int(rounded), force_grouping=True)
    return number_format(rounded, 1, force_grouping=True)


@register.filter
def status_value(value: Any) -> str:
    """A status from the event log ({"id", "label"}) in the reader's language."""
    return display.stored_value("status", value) or ""


@register.filter
def rating(event: Any) -> str:
    """The rating of a `csat` event in words (“4/5”, “Good”)."""
    data = getattr(event, "data", None) or {}
    return display.rating_text(data.get("score"), data.get("scale", "five"))
