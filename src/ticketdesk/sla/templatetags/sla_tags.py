"""Template helpers for SLA badges and clock history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext as _

from ticketdesk.core import clock

register = template.Library()

TONES = {
    "active": ("var(--accent-soft)", "var(--accent-dark)"),
    "at_risk": ("var(--warn-soft)", "var(--warn)"),
    "breached": ("var(--danger-soft)", "var(--danger)"),
    "paused": ("var(--bg)", "var(--muted)"),
    "met": ("var(--ok-soft)", "var(--ok)"),
}


def duration(seconds: float, *, days: bool = True) -> str:
    """A short human duration: 45m, 2h 05m, 3d 4h (`days=False`: 40h 00m, for business time,
    where a day is not 24 hours)."""
    minutes = max(int(abs(seconds)) // 60, 0)
    days_count, rest = divmod(minutes, 24 * 60) if days else (0, minutes)
    hours, minutes = divmod(rest, 60)
    if days_count:
        return _("%(d)sd %(h)sh") % {"d": days_count, "h": hours}
    if hours:
        return _("%(h)sh %(m)02dm") % {"h": hours, "m": minutes}
    return _("%(m)sm") % {"m": minutes}


@register.simple_tag
def sla_badge(ticket: Any) -> dict[str, Any] | None:
    """What the badge of `ticket` shows, from its derived columns (no queries)."""
    state = getattr(ticket, "sla_state", "none") or "none"
    if state == "none":
        return None
    due: dt.datetime | None = getattr(ticket, "due_at", None)
    now = clock.now()
    if state == "met":
        label = _("SLA met")
    elif state == "paused":
        label = _("SLA paused")
    elif due is not None and due <= now:
        label = _("Overdue %(time)s") % {"time": duration((now - due).total_seconds())}
    elif due is not None:
        label = _("%(time)s left") % {"time": duration((due - now).total_seconds())}
    else:
        label = _("SLA breached") if state == "breached" else _("SLA running")
    background, colour = TONES.get(state, TONES["active"])
    titles = {
        "active": _("On track"),
        "at_risk": _("At risk of breaching"),
        "breached": _("SLA breached"),
        "paused": _("Waiting on the customer: the clock is paused"),
        "met": _("All targets met"),
    }
    return {
        "state": state,
        "label": label,
        "title": titles.get(state, ""),
        "style": f"background:{background};color:{colour}",
    }


@register.filter
def sla_duration(seconds: Any) -> str:
    """Hours and minutes (business time has no 24-hour days)."""
    try:
        return duration(float(seconds), days=False)
    except (TypeError, ValueError):
        return ""
