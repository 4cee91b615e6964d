"""'Is it business time now?' for rule conditions.

Uses the SLA app's business calendars when they exist (imported lazily so the two apps do
not depend on each other at import time): the ticket team's calendar, else the default
calendar. Without any: Monday to Friday, 9:00 to 17:00 in settings.TIME_ZONE.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import zoneinfo
from typing import Any

from django.apps import apps
from django.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_START = dt.time(9, 0)
DEFAULT_END = dt.time(17, 0)


def default_is_business_time(moment: dt.datetime) -> bool:
    local = moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return local.weekday() < 5 and DEFAULT_START <= local.time() < DEFAULT_END


def _sla_calendar(ticket: Any) -> Any:
    """The SLA app's BusinessCalendar for the ticket, or None."""
    try:
        team_calendar = apps.get_model("sla", "TeamCalendar")
        business_calendar = apps.get_model("sla", "BusinessCalendar")
    except LookupError:
        return None
    team_id = getattr(ticket, "team_id", None)
    if team_id is not None:
        link = team_calendar.objects.select_related("calendar").filter(team_id=team_id).first()
        if link is not None:
            return link.calendar
    return business_calendar.objects.filter(is_default=True).first()


def is_business_time(moment: dt.datetime, *, ticket: Any = None) -> bool:
    try:
        module = importlib.import_module("ticketdesk.sla.calendar")
        calendar = _sla_calendar(ticket)
        if calendar is not None and hasattr(module, "is_working_instant"):
            return bool(module.is_working_instant(calendar.schedule(), moment))
    except ImportError:
        pass
    except Exception:  # a calendar problem must not break every rule
        logger.exception("sla calendar failed; using default business hours")
    return default_is_business_time(moment)
