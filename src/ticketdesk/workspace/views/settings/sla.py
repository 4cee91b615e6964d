"""The SLA section: business calendars and policies, and a "what would the due date be"
preview computed with the SLA calendar functions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from ticketdesk.core import clock
from ticketdesk.core.errors import DomainError
from ticketdesk.sla import actions, public_holidays, queries
from ticketdesk.sla.calendar import advance
from ticketdesk.sla.models import BusinessCalendar, SLAPolicy

from ...settings_sla_forms import CalendarForm, PolicyForm
from ..common import current_user
from .common import place_errors, render_settings, settings_required


@settings_required
@require_GET
def sla(request: HttpRequest) -> HttpResponse:
    calendars = list(queries.calendars())
    return render_settings(
        request,
        "workspace/settings/sla.html",
        {"calendars": calendars, "policies": list(queries.policies()), "due": _due(request)},
        section="sla",
    )


@settings_required
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar, pk=pk) if pk else None
    form = CalendarForm(request.POST or None, calendar=calendar)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_calendar(
                actor=current_user(request), spec=form.spec(), calendar=calendar
            )
        except DomainError as error:
            place_errors(form, error)
        else:
            messages.success(request, _("The calendar “%(c)s” is saved.") % {"c": saved.name})
            return redirect("workspace:settings:calendar_edit", pk=saved.pk)
    return render_settings(
        request,
        "workspace/settings/calendar_form.html",
        {"form": form, "calendar": calendar, "due": _due(request, calendar)},
        section="sla",
        status=400 if request.method == "POST" else 200,
    )


class HolidayImportForm(forms.Form):
    country = forms.ChoiceField(label=gettext_lazy("Country"))
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1970, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", "—"), *public_holidays.countries()]


@settings_required
@require_http_methods(["GET", "POST"])
def holiday_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Import public holidays: choose a country and year, see the list (days the calendar
    already has are marked and not ticked), confirm the ticked ones."""
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    data = request.POST if request.method == "POST" else request.GET
    form = HolidayImportForm(
        data if "country" in data else None, initial={"year": clock.now().year}
    )
    preview = None
    if form.is_bound and form.is_valid():
        country, year = form.cleaned_data["country"], form.cleaned_data["year"]
        try:
            if request.method == "POST":
                chosen = [d for d in (_parse_date(v) for v in request.POST.getlist("date")) if d]
                added = actions.import_holidays(
                    actor=current_user(request),
                    calendar=calendar,
                    country=country,
                    year=year,
                    dates=chosen,
                )
                messages.success(
                    request,
                    ngettext(
                        "%(n)s holiday was added to “%(c)s”.",
                        "%(n)s holidays were added to “%(c)s”.",
                        added,
                    )
                    % {"n": added, "c": calendar.name},
                )
                return redirect("workspace:settings:calendar_edit", pk=calendar.pk)
            preview = actions.holiday_preview(calendar, country, year)
        except DomainError as error:
            place_errors(form, error)
    return render_settings(
        request,
        "workspace/settings/holiday_import.html",
        {"form": form, "calendar": calendar, "preview": preview},
        section="sla",
        status=400 if form.is_bound and form.errors else 200,
    )


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


@settings_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    sla_policy = get_object_or_404(SLAPolicy, pk=pk) if pk else None
    form = PolicyForm(request.POST or None, sla_policy=sla_policy)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_policy(
                actor=current_user(request), spec=form.spec(), sla_policy=sla_policy
            )
        except DomainError as error:
            place_errors(form, error)
        else:
            messages.success(request, _("The policy “%(p)s” is saved.") % {"p": saved.name})
            return redirect("workspace:settings:sla")
    return render_settings(
        request,
        "workspace/settings/policy_form.html",
        {"form": form, "sla_policy": sla_policy},
        section="sla",
        status=400 if request.method == "POST" else 200,
    )


class DueForm(forms.Form):
    calendar = forms.ModelChoiceField(
        queryset=BusinessCalendar.objects.order_by("name"), label=gettext_lazy("Calendar")
    )
    start = forms.DateTimeField(
        label=gettext_lazy("Ticket opened at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    minutes = forms.IntegerField(
        label=gettext_lazy("Target (minutes)"), min_value=1, max_value=525600
    )


def _due(request: HttpRequest, calendar: BusinessCalendar | None = None) -> dict[str, Any]:
    """The preview's form and, when asked, the due instant in the calendar's time zone."""
    asked = "minutes" in request.GET
    if calendar is None:  # the default calendar, or the only one
        calendar = BusinessCalendar.objects.order_by("-is_default", "pk").first()
    initial = {"minutes": 240, "calendar": calendar.pk if calendar else None}
    form = DueForm(request.GET if asked else None, initial=initial)
    result: dict[str, Any] = {"form": form}
    if asked and form.is_valid():
        chosen = form.cleaned_data["calendar"]
        schedule = chosen.schedule()
        zone = schedule.zone
        start = form.cleaned_data["start"].replace(tzinfo=None).replace(tzinfo=zone)
        due = advance(schedule, start, form.cleaned_data["minutes"] * 60)
        result.update(
            start=start,
            due=due.astimezone(zone) if due else None,
            zone=chosen.time_zone,
            no_hours=not schedule.has_working_time(),
        )
    elif not asked:
        form.initial["start"] = clock.now().replace(second=0, microsecond=0, tzinfo=None)
    return result


@settings_required
@require_GET
def due_preview(request: HttpRequest) -> HttpResponse:
    return render_settings(
        request, "workspace/settings/due_preview.html", {"due": _due(request)}, section="sla"
    )
