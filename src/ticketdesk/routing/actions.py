"""Changing routing data: an agent's availability. Coming online routes waiting tickets."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import User
from ticketdesk.audit import log
from ticketdesk.core import clock, outbox
from ticketdesk.core.errors import ValidationFailed

from .models import AgentAvailability, AgentSkill, Presence, SkillKind

AGENT_AVAILABLE_TOPIC = "routing.agent_available"


def set_availability(
    user: User, *, actor: User | None, status: str | None = None, capacity: int | None = None
) -> AgentAvailability:
    """Set an agent's presence and/or capacity. Agents change their own; admins anyone's."""
    if actor is not None and actor.pk != user.pk:
        policy.require(actor, policy.ADMINISTER)
    if not policy.can(user, policy.SET_AVAILABILITY):
        raise ValidationFailed(
            _("Only agents take routed tickets."), fields={"user": [_("Not an agent.")]}
        )
    if status is not None and status not in Presence.values:
        raise ValidationFailed(
            _("Choose online, away or off."), fields={"status": [_("Unknown status.")]}
        )
    if capacity is not None and capacity < 0:
        raise ValidationFailed(
            _("Capacity cannot be negative."), fields={"capacity": [_("Enter 0 or more.")]}
        )
    with transaction.atomic():
        AgentAvailability.objects.get_or_create(user=user)
        row = AgentAvailability.objects.select_for_update().get(user=user)
        was_available = row.status == Presence.ONLINE
        if status is not None:
            row.status = status
        if capacity is not None:
            row.capacity = capacity
        row.updated_at = clock.now()
        row.save()
        if row.status == Presence.ONLINE and (not was_available or capacity is not None):
            outbox.publish(AGENT_AVAILABLE_TOPIC, {"user_id": user.pk})
    return row


def set_skills(user: User, *, actor: User, skills: set[tuple[str, str]]) -> None:
    """Make an agent's skills exactly `skills` ((kind, value) pairs), from the Settings."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    bad = [kind for kind, value in skills if kind not in SkillKind.values or not value.strip()]
    if bad:
        raise ValidationFailed(_("Unknown skill."), fields={"skills": [_("Unknown skill.")]})
    with transaction.atomic():
        existing = {(s.kind, s.value): s for s in AgentSkill.objects.filter(user=user)}
        for pair, skill in existing.items():
            if pair not in skills:
                skill.delete()
        added = sorted(skills - set(existing))
        for kind, value in added:
            AgentSkill.objects.create(user=user, kind=kind, value=value.strip()[:200])
        removed = sorted(set(existing) - skills)
        if added or removed:  # skills are not among the rows the audit tracking watches
            log.record(
                actor,
                "routing.skills_changed",
                user,
                added=[list(p) for p in added],
                removed=[list(p) for p in removed],
            )
