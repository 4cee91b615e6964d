"""Changes to teams made in the workspace's Settings: the team's own settings (name, routing
strategy, escalation, triage) and who its members and leads are.

Asks the policy (`manage_settings`), validates, writes in one transaction with ordinary
`save()`/`delete()` calls, so that the audit log's configuration tracking records each row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ticketdesk.core.errors import ValidationFailed

from . import policy
from .models import AssignmentStrategy, Team, TeamMembership, User


@dataclass
class TeamSpec:
    name: str
    assignment_strategy: str = AssignmentStrategy.MANUAL
    email: str = ""
    description: str = ""
    escalation_team: Team | None = None
    sees_triage: bool = False
    active: bool = True
    members: dict[int, bool] = field(default_factory=dict)  # user id → is lead


def _errors(spec: TeamSpec, team: Team | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    name = spec.name.strip()
    others = Team.objects.exclude(pk=team.pk if team else 0)
    if not name:
        errors["name"] = [_("This field is required.")]
    elif others.filter(name=name).exists():
        errors["name"] = [_("Another team has this name.")]
    if spec.assignment_strategy not in AssignmentStrategy.values:
        errors["assignment_strategy"] = [_("Choose one of the offered values.")]
    if team is not None and spec.escalation_team is not None and spec.escalation_team == team:
        errors["escalation_team"] = [_("A team cannot escalate to itself.")]
    staff = set(
        User.objects.filter(pk__in=spec.members, is_active=True)
        .exclude(role="customer")
        .values_list("pk", flat=True)
    )
    if set(spec.members) - staff:
        errors["members"] = [_("Only agents can be members of a team.")]
    return errors


def _unique_slug(name: str, team: Team | None) -> str:
    base = slugify(name)[:90] or "team"
    slug, n = base, 1
    while Team.objects.filter(slug=slug).exclude(pk=team.pk if team else 0).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def save_team(*, actor: Any, spec: TeamSpec, team: Team | None = None) -> Team:
    """Create or change a team; its members (and leads) become exactly those of `spec`."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    errors = _errors(spec, team)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    with transaction.atomic():
        team = team or Team(slug=_unique_slug(spec.name, None))
        team.name = spec.name.strip()
        team.assignment_strategy = spec.assignment_strategy
        team.email = spec.email
        team.description = spec.description
        team.escalation_team = spec.escalation_team
        team.sees_triage = spec.sees_triage
        team.active = spec.active
        team.save()
        existing = {m.user_id: m for m in team.memberships.all()}
        for user_id, membership in existing.items():
            if user_id not in spec.members:
                membership.delete()
            elif membership.is_lead != spec.members[user_id]:
                membership.is_lead = spec.members[user_id]
                membership.save(update_fields=["is_lead"])
        for user_id, is_lead in spec.members.items():
            if user_id not in existing:
                TeamMembership.objects.create(team=team, user_id=user_id, is_lead=is_lead)
    return team
