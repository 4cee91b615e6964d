"""The write path of the automation app: rules and macros are created, changed, ordered and
deleted here, and macros are applied here. Each function asks the policy first."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Team, User
from ticketdesk.core import clock
from ticketdesk.core.errors import PermissionDenied, ValidationFailed
from ticketdesk.tickets.actions.base import lock_ticket
from ticketdesk.tickets.models import Ticket

from . import conditions, steps
from .models import Macro, MacroVisibility, Rule, TimeAnchor, Trigger

MAX_HOURS = 24 * 366 * 5
RULE_FIELDS = (
    "name",
    "description",
    "enabled",
    "trigger",
    "time_anchor",
    "time_hours",
    "conditions",
    "actions",
    "stop_processing",
)


def _clean_rule(data: dict[str, Any]) -> dict[str, Any]:
    clean = {k: data[k] for k in RULE_FIELDS if k in data}
    name = " ".join(str(clean.get("name", "")).split())
    if not name:
        raise ValidationFailed(
            _("A rule needs a name."), fields={"name": [_("This field is required.")]}
        )
    clean["name"] = name[:120]
    if clean.get("trigger") not in Trigger.values:
        raise ValidationFailed(_("Choose a trigger."), fields={"trigger": [_("Unknown.")]})
    if clean["trigger"] == Trigger.TIME:
        hours = clean.get("time_hours")
        if clean.get("time_anchor") not in TimeAnchor.values or not hours or hours > MAX_HOURS:
            raise ValidationFailed(
                _("A time-based rule needs “time since” and a number of hours."),
                fields={"time_hours": [_("This field is required.")]},
            )
    else:
        clean["time_anchor"], clean["time_hours"] = "", None
    clean["conditions"] = conditions.validate_tree(clean.get("conditions"))
    clean["actions"] = steps.validate_steps(clean.get("actions") or [])
    if not clean["actions"]:
        raise ValidationFailed(
            _("A rule needs at least one action."), fields={"actions": [_("Add an action.")]}
        )
    return clean


def save_rule(actor: User, data: dict[str, Any], rule: Rule | None = None) -> Rule:
    """Create a rule (at the end of the order) or change one."""
    policy.require(actor, policy.ADMINISTER)
    clean = _clean_rule(data)
    now = clock.now()
    with transaction.atomic():
        if rule is None:
            last = Rule.objects.aggregate(m=Max("order"))["m"] or 0
            return Rule.objects.create(
                **clean, order=last + 10, created_by=actor, created_at=now, updated_at=now
            )
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        for name, value in clean.items():
            setattr(rule, name, value)
        rule.updated_at = now
        rule.save()
    return rule


def set_enabled(actor: User, rule: Rule, enabled: bool) -> Rule:
    policy.require(actor, policy.ADMINISTER)
    Rule.objects.filter(pk=rule.pk).update(enabled=enabled, updated_at=clock.now())
    rule.refresh_from_db()
    return rule


def delete_rule(actor: User, rule: Rule) -> None:
    policy.require(actor, policy.ADMINISTER)
    rule.delete()


def move_rule(actor: User, rule: Rule, direction: str) -> None:
    """Swap the rule with its neighbour ("up" = earlier), renumbering 10, 20, 30..."""
    policy.require(actor, policy.ADMINISTER)
    with transaction.atomic():
        ordered = list(Rule.objects.select_for_update().order_by("order", "id").only("pk"))
        ids = [r.pk for r in ordered]
        index = ids.index(rule.pk)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(ids):
            ids[index], ids[other] = ids[other], ids[index]
        for position, pk in enumerate(ids, start=1):
            Rule.objects.filter(pk=pk).exclude(order=position * 10).update(order=position * 10)


# ---------------------------------------------------------------- macros


def can_manage_macro(user: User, macro: Macro | None, data: dict[str, Any] | None = None) -> bool:
    """The policy's answer for `macro` (None: a new one) saved with `data`."""
    team = (data or {}).get("team")
    return policy.can_manage_macro(
        user,
        macro,
        visibility=str((data or {}).get("visibility") or ""),
        team_id=team.pk if team is not None else None,
    )


def save_macro(actor: User, data: dict[str, Any], macro: Macro | None = None) -> Macro:
    if not can_manage_macro(actor, macro, data):
        raise PermissionDenied(_("You are not allowed to do this."))
    name = " ".join(str(data.get("name", "")).split())
    if not name:
        raise ValidationFailed(
            _("A macro needs a name."), fields={"name": [_("This field is required.")]}
        )
    visibility = data.get("visibility") or MacroVisibility.SHARED
    if visibility not in MacroVisibility.values:
        raise ValidationFailed(_("Choose who can use the macro."))
    team: Team | None = data.get("team") if visibility == MacroVisibility.TEAM else None
    if visibility == MacroVisibility.TEAM and team is None:
        raise ValidationFailed(
            _("Choose the team."), fields={"team": [_("This field is required.")]}
        )
    clean_steps = steps.validate_steps(data.get("actions") or [])
    if not clean_steps:
        raise ValidationFailed(
            _("A macro needs at least one action."), fields={"actions": [_("Add an action.")]}
        )
    values = {
        "name": name[:120],
        "description": str(data.get("description", ""))[:300],
        "actions": clean_steps,
        "visibility": visibility,
        "team": team,
        "active": bool(data.get("active", True)),
    }
    now = clock.now()
    if macro is None:
        owner = actor if visibility == MacroVisibility.PERSONAL else None
        return Macro.objects.create(**values, owner=owner, created_at=now, updated_at=now)
    for key, value in values.items():
        setattr(macro, key, value)
    if visibility == MacroVisibility.PERSONAL and macro.owner_id is None:
        macro.owner = actor
    macro.updated_at = now
    macro.save()
    return macro


def delete_macro(actor: User, macro: Macro) -> None:
    if not can_manage_macro(actor, macro):
        raise PermissionDenied(_("You are not allowed to do this."))
    macro.delete()


def apply_macro(
    macro: Macro, ticket: Ticket, *, actor: User, expected_version: int | None
) -> list[str]:
    """Run the macro's steps as `actor`, all or nothing: a stale `expected_version` raises
    Conflict, a step the actor may not do raises PermissionDenied and nothing changes."""
    if not policy.can(actor, policy.VIEW_MACROS):
        raise PermissionDenied(_("You are not allowed to do this."))
    if not policy.can(actor, policy.APPLY_MACRO, macro):
        raise PermissionDenied(_("This macro is not available to you."))
    done: list[str] = []
    with transaction.atomic():
        current = lock_ticket(ticket, expected_version)
        policy.require(actor, policy.VIEW, current)
        context = steps.StepContext(actor=actor, source=macro.name)
        for step in macro.actions or []:
            done.append(steps.run_step(step, current, context))
            current = Ticket.objects.select_related("status", "team", "assignee").get(pk=current.pk)
    return done
