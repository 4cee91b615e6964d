"""/teams and /agents (agents)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Query, Router

from ticketdesk.accounts.models import STAFF_ROLES, Team, TeamMembership, User

from ..schemas import MAX_ID, AgentOut, In, TeamOut
from .contacts import require_staff
from .tickets import ERRORS, user_of

router = Router(tags=["teams"])
agents_router = Router(tags=["agents"])


@router.get("", response={200: list[TeamOut], **ERRORS}, summary="List teams")
def list_teams(request: HttpRequest) -> Any:
    require_staff(user_of(request))
    return [
        {
            "id": t.pk,
            "name": t.name,
            "slug": t.slug,
            "email": t.email,
            "active": t.active,
            "assignment_strategy": t.assignment_strategy,
        }
        for t in Team.objects.order_by("name")[:500]
    ]


class AgentParams(In):
    team: int | None = Field(None, ge=1, le=MAX_ID)
    active: bool = True


@agents_router.get("", response={200: list[AgentOut], **ERRORS}, summary="List agents")
def list_agents(request: HttpRequest, params: Query[AgentParams]) -> Any:
    require_staff(user_of(request))
    qs = User.objects.filter(role__in=STAFF_ROLES, is_active=params.active).prefetch_related(
        Prefetch(
            "team_memberships", queryset=TeamMembership.objects.only("id", "team_id", "user_id")
        )
    )
    if params.team is not None:
        qs = qs.filter(team_memberships__team_id=params.team)
    return [
        {
            "id": u.pk,
            "username": u.username,
            "name": u.display_name,
            "email": u.email,
            "role": u.role,
            "team_ids": [m.team_id for m in u.team_memberships.all()],
        }
        for u in qs.order_by("username")[:1000]
    ]
