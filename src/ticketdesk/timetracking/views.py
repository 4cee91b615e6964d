"""Logging time from the ticket page (manual entry, timer) and the time report with its
CSV export."""

from __future__ import annotations

import csv
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Team, User
from ticketdesk.core.errors import DomainError
from ticketdesk.core.views import render_domain_error
from ticketdesk.tickets import queries as ticket_queries

from . import actions, queries
from .forms import ReportForm, TimeEntryForm
from .models import TimeEntry


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _back(number: int) -> HttpResponse:
    return HttpResponseRedirect(reverse("workspace:ticket", args=[number]) + "#time")


def minutes_label(minutes: int) -> str:
    hours, rest = divmod(int(minutes or 0), 60)
    return f"{hours}:{rest:02d}"


@login_required
@require_POST
def log(request: HttpRequest, number: int) -> HttpResponse:
    try:
        ticket = ticket_queries.ticket_detail(request.user, number)
    except DomainError as error:
        return render_domain_error(request, error)
    form = TimeEntryForm(request.POST)
    if form.is_valid():
        try:
            actions.log_time(
                ticket,
                actor=_user(request),
                minutes=form.cleaned_data["minutes"],
                work_date=form.cleaned_data["work_date"],
                billable=form.cleaned_data["billable"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            if error.status_code != 400:
                return render_domain_error(request, error)
            form.apply_error(error)
        else:
            messages.success(request, _("Time logged."))
            return _back(number)
    return render(
        request,
        "timetracking/log.html",
        {"form": form, "ticket": ticket, "page_nav": "tickets"},
        status=400,
    )


@login_required
@require_POST
def timer(request: HttpRequest, number: int, verb: str) -> HttpResponse:
    try:
        ticket = ticket_queries.ticket_detail(request.user, number)
        if verb == "start":
            actions.start_timer(ticket, actor=_user(request))
        else:
            entry = actions.stop_timer(
                ticket,
                actor=_user(request),
                billable=request.POST.get("billable") == "on",
                note=request.POST.get("note", ""),
            )
            messages.success(
                request,
                _("Timer stopped: %(t)s logged.") % {"t": minutes_label(entry.minutes)},
            )
    except DomainError as error:
        return render_domain_error(request, error)
    return _back(number)


@login_required
@require_POST
def delete(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(TimeEntry.objects.select_related("ticket"), pk=entry_id)
    if not policy.can(request.user, policy.VIEW, entry.ticket):
        raise Http404
    try:
        actions.delete_entry(entry, actor=_user(request))
    except DomainError as error:
        return render_domain_error(request, error)
    return _back(entry.ticket.number)


def _report_data(request: HttpRequest) -> tuple[ReportForm, list[dict[str, Any]]]:
    """The report's form and rows, of the entries the viewer may see (admins: all; team
    leads: their teams'); a signed-in user without the right gets 403."""
    scope = policy.time_report_scope(request.user)
    if scope is None:
        raise PermissionDenied(_("You are not allowed to see time reports."))
    form = ReportForm(request.GET)  # bound even when empty: the defaults fill in
    if not form.is_valid():
        return form, []
    data = form.cleaned_data
    rows = queries.report(
        data["since"], data["until"], data["group"], billable=data["billable_flag"], scope=scope
    )
    return form, rows


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    form, rows = _report_data(request)
    for row in rows:
        row["hours"] = minutes_label(row["minutes"])
        row["billable_hours"] = minutes_label(row["billable_minutes"])
    group = form.cleaned_data.get("group", "") if not form.errors else ""
    total = minutes_label(sum(r["minutes"] for r in rows))
    billable = minutes_label(sum(r["billable_minutes"] for r in rows))
    led_teams: list[str] = []
    if not policy.is_admin(request.user):  # a lead's report: only the teams they lead
        led = [team_id for team_id, lead in policy.memberships(request.user) if lead]
        led_teams = list(
            Team.objects.filter(pk__in=led).order_by("name").values_list("name", flat=True)
        )
    return render(
        request,
        "timetracking/report.html",
        {
            "form": form,
            "rows": rows,
            "total": total,
            "billable": billable,
            "led_teams": led_teams,
            "group_label": dict(form.fields["group"].choices).get(group, ""),  # type: ignore[attr-defined]
            "query": request.GET.urlencode(),
            "page_nav": "reports",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def report_csv(request: HttpRequest) -> HttpResponse:
    form, rows = _report_data(request)
    if form.errors:
        return render(request, "timetracking/report.html", {"form": form}, status=400)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="time.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [_("Group"), _("Minutes"), _("Billable minutes"), _("Hours"), _("Entries"), _("Tickets")]
    )
    for row in rows:
        label = row["label"]
        if label[:1] in ("=", "+", "-", "@"):  # no formulas in a spreadsheet
            label = "'" + label
        writer.writerow(
            [
                label,
                row["minutes"],
                row["billable_minutes"],
                f"{row['minutes'] / 60:.2f}",
                row["entries"],
                row["tickets"],
            ]
        )
    return response
