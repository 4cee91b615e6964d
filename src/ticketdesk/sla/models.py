"""SLA configuration (business calendars, policies, targets) and per-ticket clock state.

The clock itself is computed from the ticket's event log (`sla.clock.compute`); `TicketSLA`
keeps the last result so changes (started, paused, met, warned, breached) can be recorded once
and the scheduler can find the tickets whose next warning or breach moment has passed.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Organization, Team
from ticketdesk.tickets.models import Category, Channel, Level, Ticket, TicketType

from .calendar import Schedule


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value}) from None


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendar(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    is_default = models.BooleanField(
        _("default calendar"),
        default=False,
        help_text=_("Used by business-hours targets when neither the policy nor the team has one."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def schedule(self) -> Schedule:
        """The calendar as plain data for the business-time functions (two queries)."""
        intervals: dict[int, list[tuple[dt.time, dt.time]]] = {}
        for hours in self.working_hours.all():
            intervals.setdefault(hours.weekday, []).append((hours.start, hours.end))
        dated: set[dt.date] = set()
        yearly: set[tuple[int, int]] = set()
        for holiday in self.holidays.all():
            if holiday.yearly:
                yearly.add((holiday.date.month, holiday.date.day))
            else:
                dated.add(holiday.date)
        return Schedule(
            time_zone=self.time_zone,
            intervals={day: tuple(sorted(items)) for day, items in intervals.items()},
            holidays=frozenset(dated),
            yearly_holidays=frozenset(yearly),
        )


class WorkingHours(models.Model):
    """One working interval of a weekday (a day may have several: 09-12, 14-18). An end of
    00:00 means midnight at the end of the day."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        if self.end != dt.time(0, 0) and self.end <= self.start:
            raise ValidationError(_("The interval must end after it starts."))


class Holiday(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    yearly = models.BooleanField(
        _("every year"), default=False, help_text=_("Repeats on the same day every year.")
    )
    name = models.CharField(_("name"), max_length=100, blank=True, default="")

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class TeamCalendar(models.Model):
    """The business calendar of a team (used when the SLA policy names none)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="sla_calendar")
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("team calendar")
        verbose_name_plural = _("team calendars")

    def __str__(self) -> str:
        return f"{self.team}: {self.calendar}"


class SLAPolicy(models.Model):
    """Targets for the tickets matching its conditions. The first active matching policy (by
    `order`) applies; an empty condition matches any ticket."""

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True, default="")
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    priorities = models.JSONField(
        _("priorities"), default=list, blank=True, help_text=_("Empty: any priority.")
    )
    ticket_types = models.ManyToManyField(
        TicketType, blank=True, related_name="+", verbose_name=_("ticket types")
    )
    categories = models.ManyToManyField(
        Category,
        blank=True,
        related_name="+",
        verbose_name=_("categories"),
        help_text=_("A category also matches its subcategories."),
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="+", verbose_name=_("teams"))
    organizations = models.ManyToManyField(
        Organization, blank=True, related_name="+", verbose_name=_("organizations")
    )
    customer_tiers = models.JSONField(
        _("customer tiers"), default=list, blank=True, help_text=_("Empty: any tier.")
    )
    channels = models.JSONField(
        _("channels"), default=list, blank=True, help_text=_("Empty: any channel.")
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="policies",
        verbose_name=_("business calendar"),
        help_text=_("Empty: the team's calendar, else the default calendar."),
    )
    pause_status_keys = models.JSONField(
        _("statuses that pause the clock"),
        default=list,
        blank=True,
        help_text=_("Status keys. Empty: every status of the pending category."),
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        indexes = [models.Index(fields=["active", "order"], name="sla_policy_active")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        bad = [p for p in self.priorities or [] if p not in Level.values]
        if bad:
            raise ValidationError({"priorities": _("Priorities are 1 (low) to 4 (critical).")})
        bad = [c for c in self.channels or [] if c not in Channel.values]
        if bad:
            raise ValidationError({"channels": _("Unknown channel.")})


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class SLATarget(models.Model):
    policy = models.ForeignKey(SLAPolicy, on_delete=models.CASCADE, related_name="targets")
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    minutes = models.PositiveIntegerField(_("minutes"))
    business_hours = models.BooleanField(
        _("business hours"), default=True, help_text=_("Count only working time of the calendar.")
    )
    warn_at_percent = models.PositiveSmallIntegerField(
        _("warn at (%)"), default=80, help_text=_("Warn when this share of the time is used.")
    )

    class Meta:
        ordering = ["policy", "metric"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(fields=["policy", "metric"], name="sla_target_unique"),
            models.CheckConstraint(
                condition=models.Q(warn_at_percent__gte=1, warn_at_percent__lte=100),
                name="sla_target_warn_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.get_metric_display()} {self.minutes} min"


class TicketSLA(models.Model):
    """The last computed clock of a ticket. `metrics` holds, per metric, the state, start,
    business seconds used, due and warning instants; `notified` which warnings and breaches were
    already recorded (per clock cycle, so each is recorded once). `next_check_at` is the earliest
    moment something may need recording: the scheduler's indexed work queue."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="sla")
    policy = models.ForeignKey(
        SLAPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    metrics = models.JSONField(default=dict, blank=True)
    notified = models.JSONField(default=dict, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ticket SLA")
        verbose_name_plural = _("ticket SLAs")
        indexes = [models.Index(fields=["next_check_at"], name="ticket_sla_next_check")]

    def __str__(self) -> str:
        return f"SLA of {self.ticket_id}"
