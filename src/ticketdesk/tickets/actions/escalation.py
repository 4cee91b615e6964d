"""Escalating a ticket (see tickets/escalation.py for the levels)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Team, TeamMembership, User
from ticketdesk.core.errors import ValidationFailed

from .. import escalation, workflow
from ..models import EventKind, Status, Ticket
from .base import check, label, lock_ticket, record
from .fields import set_fields

MAX_REASON = 2000


def _level(ticket: Ticket, level: int | None) -> int:
    current = ticket.escalation_level
    if current >= escalation.MAX_LEVEL:
        raise ValidationFailed(
            _("This ticket is already at the highest escalation level."),
            fields={"level": [_("No higher level.")]},
        )
    wanted = current + 1 if level is None else int(level)
    if not current < wanted <= escalation.MAX_LEVEL:
        raise ValidationFailed(
            _("Choose a level above the ticket's current one."),
            fields={"level": [_("Choose a higher level.")]},
        )
    return wanted


def _lead_of(team_id: int | None, actor: User | None) -> User | None:
    """A lead of the team to escalate to (not the one escalating)."""
    if team_id is None:
        return None
    leads = TeamMembership.objects.filter(team_id=team_id, is_lead=True, user__is_active=True)
    if actor is not None:
        leads = leads.exclude(user_id=actor.pk)
    membership = leads.select_related("user").order_by("user_id").first()
    return membership.user if membership else None


def _next_lead(ticket: Ticket, actor: User | None) -> User | None:
    """The lead a hierarchical escalation goes to: the ticket team's lead, or, when the one
    escalating is that lead, the lead of the team's escalation team (the next tier)."""
    lead = _lead_of(ticket.team_id, actor)
    if lead is None and ticket.team is not None:
        lead = _lead_of(ticket.team.escalation_team_id, actor)
    return lead


def _leads(team_id: int | None, user: User | None) -> bool:
    return (
        team_id is not None
        and user is not None
        and TeamMembership.objects.filter(team_id=team_id, user=user, is_lead=True).exists()
    )


def _queue_status(ticket: Ticket) -> Status | None:
    """An "In progress" ticket handed to a team's queue goes back to the first open status
    (if the workflow allows); any other status stays."""
    working = workflow.working_status()
    if working is None or ticket.status_id != working.pk:
        return None
    target = workflow.reopen_target(
        ticket.status, assigned=False, ticket_type_id=ticket.ticket_type_id
    )
    return target if target is not None and target.pk != working.pk else None


def plan(
    ticket: Ticket, *, actor: User | None, team: Team | None, user: User | None, kind: str | None
) -> tuple[str, Team | None, User | None]:
    """(kind, target team, target user) of an escalation. Without a target: the ticket
    team's escalation team, else its lead."""
    if kind is None:
        if team is not None:
            kind = escalation.FUNCTIONAL
        elif user is not None:
            kind = escalation.HIERARCHICAL
        elif ticket.team is not None and ticket.team.escalation_team_id is not None:
            kind = escalation.FUNCTIONAL
        else:
            kind = escalation.HIERARCHICAL
    if kind == escalation.FUNCTIONAL:
        team = team or (ticket.team.escalation_team if ticket.team else None)
        if team is None or not team.active:
            raise ValidationFailed(
                _("Choose the team to escalate to."),
                fields={"team": [_("This team has no escalation team: choose one.")]},
            )
        if team.pk == ticket.team_id:
            raise ValidationFailed(
                _("The ticket is already with this team."),
                fields={"team": [_("Choose another team.")]},
            )
        if user is not None and not policy.assignable_users(team.pk).filter(pk=user.pk).exists():
            raise ValidationFailed(
                _("%(name)s is not an agent of %(team)s.")
                % {"name": user.display_name, "team": team.name},
                fields={"user": [_("Not a member of the team.")]},
            )
        return kind, team, user
    if kind != escalation.HIERARCHICAL:
        raise ValidationFailed(_("Unknown kind of escalation."), fields={"kind": [_("Unknown.")]})
    if user is not None and actor is not None and user.pk == actor.pk:
        raise ValidationFailed(
            _("Escalate to someone else, not to yourself."),
            fields={"user": [_("Choose a lead or manager other than yourself.")]},
        )
    user = user or _next_lead(ticket, actor)
    if user is None:
        if _leads(ticket.team_id, actor):
            raise ValidationFailed(
                _("Choose the lead or manager to escalate to."),
                fields={"user": [_("You lead this team: choose the manager to escalate to.")]},
            )
        raise ValidationFailed(
            _("Choose the lead or manager to escalate to."),
            fields={"user": [_("The team has no lead: choose someone.")]},
        )
    if not policy.is_agent(user):
        raise ValidationFailed(
            _("%(name)s cannot take escalations.") % {"name": user.display_name},
            fields={"user": [_("Choose an agent or administrator.")]},
        )
    return kind, None, user


def escalate(
    ticket: Ticket,
    *,
    actor: User | None,
    reason: str,
    team: Team | None = None,
    user: User | None = None,
    kind: str | None = None,
    level: int | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Raise the ticket's escalation level with a reason, functionally (to `team`, or the
    team's escalation team; assigned to `user` when given, else to the team's queue, where
    an "In progress" ticket goes back to the first open status) or hierarchically (to
    `user`, or the team's lead, or when the lead escalates the escalation team's lead:
    assigned to them when they may take the team's tickets, else they watch it). An agent
    escalating to another team watches the ticket from then on. One transaction, one
    version bump; the
    `ticket.updated` outbox row carries "escalation" in `changes` and
    `escalation: {level, team_id, user_id, reason}` for the notifications."""
    reason = " ".join((reason or "").split())[:MAX_REASON]
    if not reason:
        raise ValidationFailed(
            _("Say why the ticket needs escalation."),
            fields={"reason": [_("This field is required.")]},
        )
    with transaction.atomic():
        locked = lock_ticket(ticket, expected_version)
        check(actor, policy.ESCALATE, locked)
        new_level = _level(locked, level)
        kind, target_team, target_user = plan(locked, actor=actor, team=team, user=user, kind=kind)
        changes: dict[str, Any] = {}
        watcher: User | None = None
        if target_team is not None:
            changes["team"] = target_team
            changes["assignee"] = target_user
            if target_user is None and (queue_status := _queue_status(locked)) is not None:
                changes["status"] = queue_status  # nobody works it now: not "In progress"
        elif target_user is not None:
            if policy.assignable_users(locked.team_id).filter(pk=target_user.pk).exists():
                changes["assignee"] = target_user
            elif not locked.watchers.filter(pk=target_user.pk).exists():
                watcher = target_user
        if watcher is not None:
            locked.watchers.add(watcher)
            record(
                locked,
                EventKind.WATCHER_ADDED,
                actor,
                field="watchers",
                new=watcher,
                data={"on_escalation": True},
            )
        if (
            target_team is not None
            and actor is not None
            and policy.is_staff_member(actor)
            and not locked.watchers.filter(pk=actor.pk).exists()
        ):
            # whoever hands a ticket to another team follows it (and keeps seeing it)
            locked.watchers.add(actor)
            record(
                locked,
                EventKind.WATCHER_ADDED,
                actor,
                field="watchers",
                new=actor,
                data={"on_escalation": True},
            )
        return set_fields(
            locked,
            actor=actor,
            verb=policy.ESCALATE,
            escalation={
                "level": new_level,
                "from_level": locked.escalation_level,
                "kind": kind,
                "team_id": target_team.pk if target_team else None,
                "from_team_id": locked.team_id,
                "user_id": target_user.pk if target_user else None,
                "team": label(target_team),
                "user": label(target_user),
                "reason": reason,
                "watcher_added": watcher is not None,
            },
            **changes,
        )
