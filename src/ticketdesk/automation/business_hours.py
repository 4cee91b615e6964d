"""'Is it business time now?' for rule conditions: the ticket team's SLA calendar, else the
default calendar; without any, Monday to Friday, 9:00 to 17:00 in settings.TIME_ZONE."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from typing import Any

from django.conf import settings

from ticketdesk.sla.calendar import is_working_instant
from ticketdesk.sla.models import BusinessCalendar, TeamCalendar

logger = logging.getLogger(__name__)

DEFAULT_START = dt.time(9, 0)
DEFAULT_END = dt.time(17, 0)


def default_is_business_time(moment: dt.datetime) -> bool:
    local = moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return local.weekday() < 5 and DEFAULT_START <= local.time() < DEFAULT_END


def _sla_calendar(ticket: Any) -> BusinessCalendar | None:
    """The team's calendar, else the default one, else None."""
    team_id = getattr(ticket, "team_id", None)
    if team_id is not None:
        link = TeamCalendar.objects.select_related("calendar").filter(team_id=team_id).first()
        if link is not None:
            return link.calendar
    return BusinessCalendar.objects.filter(is_default=True).first()


def is_business_time(moment: dt.datetime, *, ticket: Any = None) -> bool:
    calendar = _sla_calendar(ticket)
    if calendar is None:
        return default_is_business_time(moment)
    try:
        return bool(is_working_instant(calendar.schedule(), moment))
    except Exception:  # a broken calendar must not break every rule
        logger.exception("SLA calendar %s failed; using default business hours", calendar.pk)
        return default_is_business_time(moment)
