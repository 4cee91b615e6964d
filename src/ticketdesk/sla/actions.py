"""Changes to the SLA configuration made in the workspace's Settings: business calendars
(working intervals, holidays) and policies (conditions, targets).

Each function asks the policy (`manage_settings`), validates and writes in one transaction
with ordinary `save()`/`delete()` calls, so that the audit log's configuration tracking
(`ticketdesk.privacy.tracking`) records every row changed with its before/after values.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Team
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.tickets.models import Category, Level, TicketType

from .models import BusinessCalendar, Holiday, Metric, SLAPolicy, SLATarget, WorkingHours


@dataclass
class CalendarSpec:
    name: str
    time_zone: str
    is_default: bool = False
    # weekday (Monday = 0) → [(start, end)]; an end of 00:00 is midnight
    intervals: dict[int, list[tuple[dt.time, dt.time]]] = field(default_factory=dict)
    holidays: list[tuple[dt.date, bool, str]] = field(default_factory=list)  # date, yearly, name


def _calendar_errors(spec: CalendarSpec, calendar_id: int | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not spec.name.strip():
        errors["name"] = [_("This field is required.")]
    elif (
        BusinessCalendar.objects.filter(name=spec.name.strip())
        .exclude(pk=calendar_id or 0)  # 0: no row (ids start at 1)
        .exists()
    ):
        errors["name"] = [_("Another calendar has this name.")]
    try:
        zoneinfo.ZoneInfo(spec.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = [_("Unknown time zone: %(tz)s") % {"tz": spec.time_zone}]
    for weekday, items in spec.intervals.items():
        for start, end in items:
            if end != dt.time(0, 0) and end <= start:
                errors[f"day_{weekday}"] = [_("The interval must end after it starts.")]
    return errors


def save_calendar(
    *, actor: Any, spec: CalendarSpec, calendar: BusinessCalendar | None = None
) -> BusinessCalendar:
    """Create or change a calendar; its working intervals and holidays become exactly
    those of `spec` (rows that stay the same are kept)."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    errors = _calendar_errors(spec, calendar.pk if calendar else None)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    with transaction.atomic():
        calendar = calendar or BusinessCalendar()
        calendar.name = spec.name.strip()
        calendar.time_zone = spec.time_zone
        calendar.is_default = spec.is_default
        calendar.save()
        if spec.is_default:
            for other in BusinessCalendar.objects.filter(is_default=True).exclude(pk=calendar.pk):
                other.is_default = False
                other.save(update_fields=["is_default"])
        wanted_hours = {(d, s, e) for d, items in spec.intervals.items() for s, e in items}
        for hours in calendar.working_hours.all():
            if (hours.weekday, hours.start, hours.end) in wanted_hours:
                wanted_hours.discard((hours.weekday, hours.start, hours.end))
            else:
                hours.delete()
        for weekday, start, end in sorted(wanted_hours):
            WorkingHours.objects.create(calendar=calendar, weekday=weekday, start=start, end=end)
        wanted_days = {(d, yearly, name) for d, yearly, name in spec.holidays}
        for holiday in calendar.holidays.all():
            if (holiday.date, holiday.yearly, holiday.name) in wanted_days:
                wanted_days.discard((holiday.date, holiday.yearly, holiday.name))
            else:
                holiday.delete()
        for day, yearly, name in sorted(wanted_days):
            Holiday.objects.create(calendar=calendar, date=day, yearly=yearly, name=name)
    return calendar


def holiday_preview(calendar: BusinessCalendar, country: str, year: int) -> list[Any]:
    """The public holidays of `country` in `year`, each marked when `calendar` already has a
    holiday that day (a dated one, or a yearly one on the same month and day)."""
    from .public_holidays import MAX_YEAR, MIN_YEAR, PublicHoliday, is_country, public_holidays

    if not is_country(country):
        raise ValidationFailed(
            _("Choose one of the offered countries."),
            fields={"country": [_("Choose one of the offered countries.")]},
        )
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(
            _("Enter a year between %(a)s and %(b)s.") % {"a": MIN_YEAR, "b": MAX_YEAR},
            fields={
                "year": [
                    _("Enter a year between %(a)s and %(b)s.") % {"a": MIN_YEAR, "b": MAX_YEAR}
                ]
            },
        )
    dated = set(calendar.holidays.filter(yearly=False).values_list("date", flat=True))
    yearly = {
        (d.month, d.day)
        for d in calendar.holidays.filter(yearly=True).values_list("date", flat=True)
    }
    return [
        PublicHoliday(day, name, present=day in dated or (day.month, day.day) in yearly)
        for day, name in public_holidays(country, year)
    ]


def import_holidays(
    *, actor: Any, calendar: BusinessCalendar, country: str, year: int, dates: list[dt.date]
) -> int:
    """Add the public holidays of `country` in `year` whose dates are in `dates` (what the
    admin confirmed in the preview) to `calendar`, as dated holidays; days the calendar
    already has are left alone. Returns how many were added."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    chosen = set(dates)
    with transaction.atomic():
        BusinessCalendar.objects.select_for_update().filter(pk=calendar.pk).first()
        wanted = [
            item
            for item in holiday_preview(calendar, country, year)
            if item.date in chosen and not item.present
        ]
        for item in wanted:
            Holiday.objects.create(calendar=calendar, date=item.date, name=item.name[:100])
    return len(wanted)


@dataclass
class TargetSpec:
    minutes: int
    business_hours: bool = True
    warn_at_percent: int = 80


@dataclass
class PolicySpec:
    name: str
    description: str = ""
    active: bool = True
    order: int = 0
    calendar: BusinessCalendar | None = None
    priorities: list[int] = field(default_factory=list)
    ticket_types: list[TicketType] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    targets: dict[str, TargetSpec] = field(default_factory=dict)  # metric → target


def _policy_errors(spec: PolicySpec) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not spec.name.strip():
        errors["name"] = [_("This field is required.")]
    if any(p not in Level.values for p in spec.priorities):
        errors["priorities"] = [_("Priorities are 1 (low) to 4 (critical).")]
    for metric, target in spec.targets.items():
        if metric not in Metric.values:
            errors[f"{metric}_minutes"] = [_("Unknown metric.")]
        elif target.minutes <= 0:
            errors[f"{metric}_minutes"] = [_("Give a time greater than zero.")]
        elif not 1 <= target.warn_at_percent <= 100:
            errors[f"{metric}_warn"] = [_("Give a share from 1 to 100.")]
    if not spec.targets:
        errors["first_response_minutes"] = [_("Give at least one target.")]
    return errors


def save_policy(*, actor: Any, spec: PolicySpec, sla_policy: SLAPolicy | None = None) -> SLAPolicy:
    """Create or change an SLA policy; its targets become exactly those of `spec`."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    errors = _policy_errors(spec)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    with transaction.atomic():
        sla_policy = sla_policy or SLAPolicy()
        sla_policy.name = spec.name.strip()
        sla_policy.description = spec.description
        sla_policy.active = spec.active
        sla_policy.order = spec.order
        sla_policy.calendar = spec.calendar
        sla_policy.priorities = sorted(set(spec.priorities))
        sla_policy.save()
        sla_policy.ticket_types.set(spec.ticket_types)
        sla_policy.categories.set(spec.categories)
        sla_policy.teams.set(spec.teams)
        existing = {t.metric: t for t in sla_policy.targets.all()}
        for metric, target in existing.items():
            if metric not in spec.targets:
                target.delete()
        for metric, wanted in spec.targets.items():
            row = existing.get(metric) or SLATarget(policy=sla_policy, metric=metric)
            values = (wanted.minutes, wanted.business_hours, wanted.warn_at_percent)
            if (
                row.pk is not None
                and (row.minutes, row.business_hours, row.warn_at_percent) == values
            ):
                continue
            row.minutes, row.business_hours, row.warn_at_percent = values
            row.save()
    return sla_policy
