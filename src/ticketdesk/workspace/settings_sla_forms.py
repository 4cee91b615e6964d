"""Forms of the Settings' SLA section: calendars (intervals per weekday as text such as
"09:00-12:00, 14:00-18:00", holidays one a line) and policies (conditions, targets)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Team
from ticketdesk.sla.actions import CalendarSpec, PolicySpec, TargetSpec
from ticketdesk.sla.models import BusinessCalendar, Metric, SLAPolicy, Weekday, validate_time_zone
from ticketdesk.tickets.models import Category, Level, TicketType

from .forms import ShortChoiceField
from .settings_forms import ShortMultipleChoiceField

INTERVAL = re.compile(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


def parse_intervals(text: str) -> list[tuple[dt.time, dt.time]]:
    intervals = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        match = INTERVAL.match(part)
        if not match:
            raise forms.ValidationError(_("Write the hours as 09:00-12:00, 14:00-18:00."))
        try:
            start, end = (dt.time.fromisoformat(v.zfill(5)) for v in match.groups())
        except ValueError:
            raise forms.ValidationError(_("Write the hours as 09:00-12:00, 14:00-18:00.")) from None
        if end != dt.time(0, 0) and end <= start:
            raise forms.ValidationError(_("The interval must end after it starts."))
        intervals.append((start, end))
    return intervals


def parse_holidays(text: str, *, yearly: bool) -> list[tuple[dt.date, bool, str]]:
    holidays = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        day, _space, name = line.strip().partition(" ")
        try:
            date = dt.date.fromisoformat(f"2000-{day}" if yearly else day)
        except ValueError:
            message = (
                _("Write each day as MM-DD and a name, e.g. 12-25 Christmas.")
                if yearly
                else _("Write each day as YYYY-MM-DD and a name, e.g. 2026-04-03 Good Friday.")
            )
            raise forms.ValidationError(message) from None
        holidays.append((date, yearly, name.strip()[:100]))
    return holidays


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, initial="UTC")
    is_default = forms.BooleanField(label=_("Default calendar"), required=False)
    yearly_holidays = forms.CharField(
        label=_("Holidays every year"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line: MM-DD and a name, e.g. 12-25 Christmas."),
    )
    holidays = forms.CharField(
        label=_("Holidays on a date"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line: YYYY-MM-DD and a name, e.g. 2026-04-03 Good Friday."),
    )

    def __init__(self, *args: Any, calendar: BusinessCalendar | None = None, **kw: Any):
        if calendar is not None:
            kw.setdefault("initial", self._initial(calendar))
        super().__init__(*args, **kw)
        for value, label in Weekday.choices:
            self.fields[f"day_{value}"] = forms.CharField(
                label=label, required=False, max_length=200
            )

    @staticmethod
    def _initial(calendar: BusinessCalendar) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": calendar.name,
            "time_zone": calendar.time_zone,
            "is_default": calendar.is_default,
        }
        days: dict[int, list[str]] = {}
        for hours in calendar.working_hours.all():
            days.setdefault(hours.weekday, []).append(f"{hours.start:%H:%M}-{hours.end:%H:%M}")
        initial.update({f"day_{d}": ", ".join(items) for d, items in days.items()})
        yearly = [h for h in calendar.holidays.all() if h.yearly]
        dated = [h for h in calendar.holidays.all() if not h.yearly]
        initial["yearly_holidays"] = "\n".join(f"{h.date:%m-%d} {h.name}".strip() for h in yearly)
        initial["holidays"] = "\n".join(f"{h.date:%Y-%m-%d} {h.name}".strip() for h in dated)
        return initial

    def clean_time_zone(self) -> str:
        value = str(self.cleaned_data["time_zone"]).strip()
        try:
            validate_time_zone(value)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        return value

    def day_fields(self) -> list[forms.BoundField]:
        return [self[f"day_{value}"] for value, _label in Weekday.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for value, _label in Weekday.choices:
            try:
                data[f"intervals_{value}"] = parse_intervals(data.get(f"day_{value}", ""))
            except forms.ValidationError as error:
                self.add_error(f"day_{value}", error)
        for name, yearly in (("yearly_holidays", True), ("holidays", False)):
            try:
                data[f"parsed_{name}"] = parse_holidays(data.get(name, ""), yearly=yearly)
            except forms.ValidationError as error:
                self.add_error(name, error)
        return data

    def spec(self) -> CalendarSpec:
        data = self.cleaned_data
        return CalendarSpec(
            name=data["name"],
            time_zone=data["time_zone"].strip(),
            is_default=data["is_default"],
            intervals={v: data[f"intervals_{v}"] for v, _l in Weekday.choices},
            holidays=data["parsed_yearly_holidays"] + data["parsed_holidays"],
        )


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    order = forms.IntegerField(
        label=_("Order"), min_value=0, initial=0, help_text=_("The first matching policy applies.")
    )
    calendar = ShortChoiceField(
        queryset=BusinessCalendar.objects.order_by("name"),
        required=False,
        label=_("Business calendar"),
        empty_label=_("The team's, else the default"),
    )
    priorities = forms.TypedMultipleChoiceField(
        label=_("Priorities"),
        choices=Level.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any priority."),
    )
    ticket_types = ShortMultipleChoiceField(
        queryset=TicketType.objects.filter(active=True),
        required=False,
        label=_("Ticket types"),
        widget=forms.CheckboxSelectMultiple,
    )
    categories = ShortMultipleChoiceField(
        queryset=Category.objects.filter(active=True),
        required=False,
        label=_("Categories"),
        help_text=_("A category also matches its subcategories."),
    )
    teams = ShortMultipleChoiceField(
        queryset=Team.objects.filter(active=True).order_by("name"),
        required=False,
        label=_("Teams"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, sla_policy: SLAPolicy | None = None, **kw: Any):
        if sla_policy is not None:
            kw.setdefault("initial", self._initial(sla_policy))
        super().__init__(*args, **kw)
        for metric, label in Metric.choices:
            self.fields[f"{metric}_minutes"] = forms.IntegerField(
                label=label, required=False, min_value=1, help_text=_("Minutes. Empty: no target.")
            )
            self.fields[f"{metric}_business"] = forms.BooleanField(
                label=_("Business hours only"), required=False, initial=True
            )
            self.fields[f"{metric}_warn"] = forms.IntegerField(
                label=_("Warn at (%)"), min_value=1, max_value=100, initial=80, required=False
            )

    @staticmethod
    def _initial(sla_policy: SLAPolicy) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": sla_policy.name,
            "description": sla_policy.description,
            "active": sla_policy.active,
            "order": sla_policy.order,
            "calendar": sla_policy.calendar_id,
            "priorities": sla_policy.priorities,
            "ticket_types": [t.pk for t in sla_policy.ticket_types.all()],
            "categories": [c.pk for c in sla_policy.categories.all()],
            "teams": [t.pk for t in sla_policy.teams.all()],
        }
        for target in sla_policy.targets.all():
            initial[f"{target.metric}_minutes"] = target.minutes
            initial[f"{target.metric}_business"] = target.business_hours
            initial[f"{target.metric}_warn"] = target.warn_at_percent
        return initial

    def target_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"{metric}_{part}"] for part in ("minutes", "business", "warn")]
            for metric, _label in Metric.choices
        ]

    def spec(self) -> PolicySpec:
        data = self.cleaned_data
        targets = {
            metric: TargetSpec(
                minutes=data[f"{metric}_minutes"],
                business_hours=data[f"{metric}_business"],
                warn_at_percent=data[f"{metric}_warn"] or 80,
            )
            for metric, _label in Metric.choices
            if data.get(f"{metric}_minutes")
        }
        return PolicySpec(
            name=data["name"],
            description=data["description"],
            active=data["active"],
            order=data["order"] or 0,
            calendar=data["calendar"],
            priorities=list(data["priorities"]),
            ticket_types=list(data["ticket_types"]),
            categories=list(data["categories"]),
            teams=list(data["teams"]),
            targets=targets,
        )
