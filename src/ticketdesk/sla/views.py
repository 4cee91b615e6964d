"""SLA pages: the admin overview, a ticket's clock (htmx fragment for agents), and the agent's
availability toggle for routing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ticketdesk.accounts import policy
from ticketdesk.core import clock as system_clock
from ticketdesk.core.errors import DomainError, PermissionDenied
from ticketdesk.core.views import render_domain_error
from ticketdesk.routing.actions import set_availability
from ticketdesk.routing.models import AgentAvailability, Presence

from . import queries


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    try:
        policy.require(request.user, policy.ADMINISTER)
    except DomainError as error:
        return render_domain_error(request, error)
    return render(
        request,
        "sla/overview.html",
        {
            "page_nav": "sla",
            "calendars": queries.calendars(),
            "policies": queries.policies(),
            "team_calendars": queries.team_calendars(),
            "by_state": queries.open_tickets_by_state(),
        },
    )


@login_required
def ticket_clock(request: HttpRequest, number: str) -> HttpResponse:
    try:
        clock = queries.ticket_clock(request.user, number)
    except DomainError as error:
        return render_domain_error(request, error)
    for row in clock.history:
        at = row["at"]
        row["at"] = parse_datetime(at) if isinstance(at, str) else at
    clock.history.sort(key=lambda row: row["at"])
    for row in clock.metrics:
        for key in ("due_at", "cycle_start", "breached_at", "met_at"):
            value = row.get(key)
            row[key] = parse_datetime(value) if isinstance(value, str) else value
    template = (
        "sla/ticket_clock.html" if request.headers.get("HX-Request") else "sla/ticket_page.html"
    )
    return render(
        request, template, {"clock": clock, "page_nav": "tickets", "now": system_clock.now()}
    )


@login_required
@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest) -> HttpResponse:
    if not policy.can(request.user, policy.SET_AVAILABILITY):
        return render_domain_error(
            request, PermissionDenied(_("Only agents can change their availability."))
        )
    status = 200
    error = None
    if request.method == "POST":
        try:
            capacity_raw = request.POST.get("capacity")
            capacity = int(capacity_raw) if capacity_raw not in (None, "") else None
            set_availability(
                request.user,  # type: ignore[arg-type]
                actor=request.user,  # type: ignore[arg-type]
                status=request.POST.get("status") or None,
                capacity=capacity,
            )
        except ValueError:
            status, error = 400, "capacity"
        except DomainError as domain_error:
            if not request.headers.get("HX-Request"):
                return render_domain_error(request, domain_error)
            status, error = domain_error.status_code, domain_error.message
    row = AgentAvailability.objects.filter(user_id=int(request.user.pk or 0)).first()
    context = {
        "availability": row,
        "current": row.status if row else Presence.ONLINE,
        "capacity": row.capacity if row else 0,
        "choices": Presence.choices,
        "error": error,
        "page_nav": "tickets",
    }
    template = (
        "routing/availability.html"
        if request.headers.get("HX-Request")
        else "routing/availability_page.html"
    )
    return render(request, template, context, status=status)
