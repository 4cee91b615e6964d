"""Shared set-up for SLA tests: an office calendar in Rome and two policies."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ticketdesk.sla.models import BusinessCalendar, Holiday, SLAPolicy, SLATarget, WorkingHours

ROME = ZoneInfo("Europe/Rome")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ROME)


def office_calendar(name: str = "Rome office", *, default: bool = True) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(
        name=name, time_zone="Europe/Rome", is_default=default
    )
    for weekday in range(5):
        WorkingHours.objects.create(
            calendar=calendar, weekday=weekday, start=dt.time(9), end=dt.time(13)
        )
        WorkingHours.objects.create(
            calendar=calendar, weekday=weekday, start=dt.time(14), end=dt.time(18)
        )
    Holiday.objects.create(calendar=calendar, date=dt.date(2000, 12, 25), yearly=True)
    return calendar


def make_policy(
    name: str,
    *,
    order: int = 10,
    priorities: list[int] | None = None,
    calendar: BusinessCalendar | None = None,
    first_response: int | None = 240,
    next_response: int | None = 480,
    resolution: int | None = 960,
    warn: int = 80,
) -> SLAPolicy:
    policy = SLAPolicy.objects.create(
        name=name, order=order, priorities=priorities or [], calendar=calendar
    )
    for metric, minutes in (
        ("first_response", first_response),
        ("next_response", next_response),
        ("resolution", resolution),
    ):
        if minutes is not None:
            SLATarget.objects.create(
                policy=policy, metric=metric, minutes=minutes, warn_at_percent=warn
            )
    return policy
