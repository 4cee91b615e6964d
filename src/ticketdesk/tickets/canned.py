"""Canned responses: which ones an agent may use, and rendering their placeholders.

Placeholders are a fixed whitelist substituted by a regular expression, so a canned
response can never reach anything beyond the values listed in `placeholder_values`.
Unknown placeholders are left as they are, so the agent sees and fixes them.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import TeamMembership
from ticketdesk.core.config_cache import cached

from .models import CannedResponse, Ticket

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)?)\s*\}\}")

PLACEHOLDERS = (
    "requester.first_name",
    "requester.name",
    "requester.email",
    "ticket.number",
    "ticket.subject",
    "ticket.status",
    "ticket.priority",
    "agent.first_name",
    "agent.name",
    "agent.email",
    "agent.signature",
)


def placeholder_values(ticket: Ticket, agent: Any) -> dict[str, str]:
    requester = ticket.requester
    agent_name = agent.display_name if agent is not None else ""
    return {
        "requester.first_name": requester.first_name,
        "requester.name": requester.display_name,
        "requester.email": requester.email,
        "ticket.number": f"{settings.TICKETDESK['TICKET_PREFIX']}{ticket.number}",
        "ticket.subject": ticket.subject,
        "ticket.status": str(ticket.status),
        "ticket.priority": str(ticket.get_priority_display()),
        "agent.first_name": (getattr(agent, "first_name", "") or agent_name) if agent else "",
        "agent.name": agent_name,
        "agent.email": getattr(agent, "email", "") or "",
        "agent.signature": getattr(agent, "signature", "") or "",
    }


def render_text(body: str, ticket: Ticket, agent: Any) -> str:
    values = placeholder_values(ticket, agent)

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        return values[key] if key in values else match.group(0)

    return PLACEHOLDER.sub(substitute, body)


def render_canned(canned: CannedResponse, ticket: Ticket, agent: Any) -> str:
    """The canned body (markdown) with its placeholders filled for this ticket and agent."""
    return render_text(canned.body, ticket, agent)


def canned_for(user: Any) -> QuerySet[CannedResponse]:
    """The canned responses `user` may use: their own, and shared ones of no team or of a
    team they belong to."""
    teams = TeamMembership.objects.filter(user_id=user.pk).values("team_id")
    shared = Q(shared=True) & (Q(team__isnull=True) | Q(team_id__in=teams))
    return CannedResponse.objects.filter(Q(owner_id=user.pk) | shared).order_by("title", "id")


CACHED_CANNED_LIMIT = 2000


def _all_canned() -> list[CannedResponse] | None:
    rows = list(CannedResponse.objects.order_by("title", "id")[: CACHED_CANNED_LIMIT + 1])
    return rows if len(rows) <= CACHED_CANNED_LIMIT else None


def canned_choices(user: Any) -> list[CannedResponse]:
    """`canned_for(user)` as a list for the composer's picker, from the per-process
    configuration cache (cleared when a canned response is saved or deleted): the same rule
    applied in memory. Past CACHED_CANNED_LIMIT rows it asks the database instead."""
    rows = cached("canned_responses", _all_canned)
    if rows is None:
        return list(canned_for(user))
    teams = {team_id for team_id, _lead in policy.memberships(user)}
    return [
        c
        for c in rows
        if c.owner_id == user.pk or (c.shared and (c.team_id is None or c.team_id in teams))
    ]
