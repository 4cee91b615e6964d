"""Settings → Agents: the people who work tickets (admins, agents, light agents; who leads a
team is said on the team), searchable and paginated; invite one by email; change a role;
switch an account off or on again."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ticketdesk.accounts import agent_actions
from ticketdesk.accounts.models import STAFF_ROLES, TeamMembership, User
from ticketdesk.core.errors import DomainError

from ...settings_classification_forms import AgentForm, InviteForm
from ..common import current_user
from .common import place_errors, render_settings, settings_required

PAGE_SIZE = 50
SECTION = "agents"


def _staff() -> QuerySet[User]:
    return User.objects.filter(Q(role__in=STAFF_ROLES) | Q(is_superuser=True))


@settings_required
@require_GET
def agents(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    shown = request.GET.get("show", "")
    rows = (
        _staff()
        .prefetch_related(
            Prefetch(
                "team_memberships",
                queryset=TeamMembership.objects.select_related("team").order_by("team__name"),
            )
        )
        .order_by("-is_active", "first_name", "last_name", "username")
    )
    if query:
        rows = rows.filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(username__icontains=query)
            | Q(email__icontains=query)
        )
    if shown == "inactive":
        rows = rows.filter(is_active=False)
    elif shown == "active":
        rows = rows.filter(is_active=True)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_settings(
        request,
        "workspace/settings/agents.html",
        {
            "page": page,
            "rows": [(user, agent_actions.is_invited(user)) for user in page.object_list],
            "query": query,
            "shown": shown,
        },
        section=SECTION,
    )


@settings_required
@require_http_methods(["GET", "POST"])
def agent_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = agent_actions.invite_agent(
                actor=current_user(request),
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                teams=list(data["teams"]),
                language=data["language"],
            )
        except DomainError as error:
            place_errors(form, error)
        else:
            messages.success(
                request,
                _("%(n)s is invited: a mail with a link to set a password is on its way to %(e)s.")
                % {"n": user.display_name, "e": user.email},
            )
            return redirect("workspace:settings:agents")
    return render_settings(
        request,
        "workspace/settings/agent_invite.html",
        {"form": form},
        section=SECTION,
        status=400 if request.method == "POST" else 200,
    )


@settings_required
@require_http_methods(["GET", "POST"])
def agent_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agent = get_object_or_404(_staff(), pk=pk)
    form = AgentForm(request.POST or None, initial={"role": agent.role, "active": agent.is_active})
    if request.method == "POST" and form.is_valid():
        try:
            agent_actions.update_agent(
                actor=current_user(request),
                user=agent,
                role=form.cleaned_data["role"],
                active=form.cleaned_data["active"],
            )
        except DomainError as error:
            place_errors(form, error)
        else:
            messages.success(request, _("%(n)s is saved.") % {"n": agent.display_name})
            return redirect("workspace:settings:agents")
    return render_settings(
        request,
        "workspace/settings/agent_form.html",
        {
            "form": form,
            "agent": agent,
            "invited": agent_actions.is_invited(agent),
            "memberships": list(
                agent.team_memberships.select_related("team").order_by("team__name")
            ),
        },
        section=SECTION,
        status=400 if request.method == "POST" else 200,
    )


@settings_required
@require_POST
def agent_resend(request: HttpRequest, pk: int) -> HttpResponse:
    agent = get_object_or_404(_staff(), pk=pk)
    try:
        agent_actions.resend_invitation(actor=current_user(request), user=agent)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("A new invitation is on its way to %(e)s.") % {"e": agent.email}
        )
    return redirect("workspace:settings:agent_edit", pk=agent.pk)
