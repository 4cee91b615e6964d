"""'Is it business time now?' for rule conditions.

Uses the SLA app's business calendars when that module is present (imported lazily so the
two apps do not depend on each other at import time); otherwise Monday to Friday, 9:00 to
17:00 in settings.TIME_ZONE.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import zoneinfo
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_START = dt.time(9, 0)
DEFAULT_END = dt.time(17, 0)


def _calendar_module() -> Any:
    try:
        return importlib.import_module("ticketdesk.sla.calendar")
    except ImportError:
        return None


def default_is_business_time(moment: dt.datetime) -> bool:
    local = moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return local.weekday() < 5 and DEFAULT_START <= local.time() < DEFAULT_END


def is_business_time(moment: dt.datetime, *, ticket: Any = None) -> bool:
    module = _calendar_module()
    for name in ("is_business_time", "within_business_hours", "is_working_time"):
        function = getattr(module, name, None) if module is not None else None
        if function is None:
            continue
        for call in (lambda f=function: f(moment, ticket=ticket), lambda f=function: f(moment)):
            try:
                return bool(call())
            except TypeError:
                continue
            except Exception:  # a calendar bug must not break every rule
                logger.exception("sla calendar failed; using default business hours")
                return default_is_business_time(moment)
    return default_is_business_time(moment)
