"""The teams section: each team's routing strategy, escalation and members (leads too), and
each agent's routing profile (capacity, skills)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ticketdesk.accounts import team_actions
from ticketdesk.accounts.models import Role, Team, User
from ticketdesk.core.errors import DomainError
from ticketdesk.routing import actions as routing_actions
from ticketdesk.routing.models import AgentAvailability, AgentSkill

from ...settings_team_forms import RoutingProfileForm, TeamForm
from ..common import current_user
from .common import place_errors, render_settings, settings_required

STAFF_ROLES = (Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT)


def _staff() -> list[User]:
    return list(
        User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by(
            "first_name", "last_name", "username"
        )
    )


@settings_required
@require_GET
def teams(request: HttpRequest) -> HttpResponse:
    rows = list(
        Team.objects.annotate(member_count=Count("memberships"))
        .select_related("escalation_team")
        .order_by("name")
    )
    return render_settings(
        request, "workspace/settings/teams.html", {"teams": rows}, section="teams"
    )


@settings_required
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk) if pk else None
    form = TeamForm(request.POST or None, team=team, agents=_staff())
    if request.method == "POST" and form.is_valid():
        try:
            saved = team_actions.save_team(actor=current_user(request), spec=form.spec(), team=team)
        except DomainError as error:
            place_errors(form, error)
        else:
            messages.success(request, _("The team “%(t)s” is saved.") % {"t": saved.name})
            return redirect("workspace:settings:teams")
    return render_settings(
        request,
        "workspace/settings/team_form.html",
        {"form": form, "team": team},
        section="teams",
        status=400 if request.method == "POST" else 200,
    )


@settings_required
@require_http_methods(["GET", "POST"])
def agent_routing(request: HttpRequest, user_id: int) -> HttpResponse:
    agent = get_object_or_404(User, pk=user_id, role__in=STAFF_ROLES)
    skills = list(AgentSkill.objects.filter(user=agent))
    availability = AgentAvailability.objects.filter(user=agent).first()
    initial = {
        "capacity": availability.capacity if availability else 0,
        "categories": [s.value for s in skills if s.kind == "category"],
        "types": [s.value for s in skills if s.kind == "type"],
        "languages": [s.value for s in skills if s.kind == "language"],
    }
    form = RoutingProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actor = current_user(request)
        kept = {(s.kind, s.value) for s in skills if s.kind == "organization"}
        try:
            routing_actions.set_availability(
                agent, actor=actor, capacity=form.cleaned_data["capacity"]
            )
            routing_actions.set_skills(agent, actor=actor, skills=form.skills() | kept)
        except DomainError as error:
            place_errors(form, error)
        else:
            messages.success(
                request, _("The routing of %(a)s is saved.") % {"a": agent.display_name}
            )
            return redirect("workspace:settings:agent_routing", user_id=agent.pk)
    return render_settings(
        request,
        "workspace/settings/agent_routing.html",
        {"form": form, "agent": agent},
        section="teams",
        status=400 if request.method == "POST" else 200,
    )
