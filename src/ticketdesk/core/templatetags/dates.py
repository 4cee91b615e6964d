"""Dates as people read them: `{% load dates %}{{ value|short_datetime }}` (the workspace's
tag library registers the same filter)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import formats, timezone

register = template.Library()


@register.filter
def short_datetime(value: Any) -> str:
    """A compact date and time in the reader's locale order, from Django's localized
    MONTH_DAY_FORMAT with the month abbreviated: “Dec 7, 13:00”, “7 de dez, 13:00”,
    “7 dic, 13:00” (the year only when it is not this year's)."""
    if not value:
        return ""
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    month_day = str(formats.get_format("MONTH_DAY_FORMAT"))
    # the abbreviation: capitalised where the month comes first (English), else lowercase
    month_day = month_day.replace("F", "M" if month_day.startswith("F") else "b")
    if value.year != timezone.localtime().year:
        month_day = f"{month_day} Y"
    return f"{formats.date_format(value, month_day)}, {formats.time_format(value, 'H:i')}"
