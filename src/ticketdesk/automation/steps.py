"""The steps a rule or a macro performs on a ticket.

A step is `{"type": ..., "target": ..., "value": ..., "text": ...}`:

    set_field   target = field (status, priority, team, ..., custom_fields.<key>), value
    assign      value = agent (username, email or id; empty = unassign), target = team (opt.)
    add_tag     value = tag            remove_tag   value = tag
    add_note    text = note (placeholders allowed)
    send_email  target = recipients, value = subject, text = body (placeholders allowed)
    notify      target = recipients (assignee, team, watchers, usernames), text = message
    webhook     value = URL, text = optional message
    canned      value = canned response (id or name), posted as a public reply
    escalate    target = team (optional), value = lead or manager (optional), text = reason;
                without either: the team's escalation team, else its lead
    apply_suggestions  value = minimum confidence (percent, default 80): smart support's
                triage suggestions at or above it are applied (smart/actions.py)

Every change goes through `tickets.actions` (actor=None for rules: the system acts; the agent
for macros, so the policy decides). A step raises DomainError when it cannot run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Team, User
from ticketdesk.core import mail
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.smart import actions as smart_actions
from ticketdesk.smart import prediction as smart_prediction
from ticketdesk.tickets import actions
from ticketdesk.tickets import canned as canned_responses
from ticketdesk.tickets.actions.base import publish
from ticketdesk.tickets.escalation import level_label
from ticketdesk.tickets.models import Ticket

from . import placeholders
from .step_catalog import (  # noqa: F401  (re-exported: the catalog is part of this API)
    EMAIL_KEYWORDS,
    LIGHT_AGENT_STEPS,
    MAX_RECIPIENTS,
    MAX_STEPS,
    NOTIFY_KEYWORDS,
    SETTABLE_FIELDS,
    STEP_TYPES,
    _lookup,
    _split,
    describe,
    parse_confidence,
    resolve_agent,
    resolve_canned,
    resolve_field_value,
    validate_steps,
)


@dataclass
class StepContext:
    """Who runs the steps: `actor` None for rules (the system), the agent for macros."""

    actor: User | None
    rule_author: User | None = None
    source: str = ""  # rule or macro name, for messages to the outside


# ---------------------------------------------------------------- execution


def run_step(step: dict[str, Any], ticket: Ticket, context: StepContext) -> str:
    """Perform one step; return what it did, in words (for events and traces)."""
    runner = RUNNERS.get(str(step.get("type")))
    if runner is None:
        raise ValidationFailed(_("Unknown action “%(a)s”.") % {"a": step.get("type")})
    return runner({k: str(step.get(k) or "") for k in ("target", "value", "text")}, ticket, context)


def _set_field(step: dict[str, str], ticket: Ticket, context: StepContext) -> str:
    keyword, value = resolve_field_value(step["target"], step["value"])
    actions.set_fields(ticket, actor=context.actor, **{keyword: value})
    label = SETTABLE_FIELDS.get(step["target"], step["target"])
    shown = value if not isinstance(value, dict) else step["value"]
    return _("set %(field)s to %(value)s") % {"field": label, "value": shown or "—"}


def _assign(step: dict[str, str], ticket: Ticket, context: StepContext) -> str:
    agent = resolve_agent(step["value"])
    kwargs: dict[str, Any] = {}
    if step["target"]:
        kwargs["team"] = _lookup(Team, step["target"], "slug", "name")
    actions.assign(ticket, assignee=agent, actor=context.actor, **kwargs)
    if agent is None:
        return _("unassigned the ticket")
    return _("assigned to %(name)s") % {"name": agent.display_name}


def _add_tag(step: dict[str, str], ticket: Ticket, context: StepContext) -> str:
    actions.set_tags(ticket, actor=context.actor, add=[step["value"]])
    return _("added tag %(tag)s") % {"tag": step["value"]}


def _remove_tag(step: dict[str, str], ticket: Ticket, context: StepContext) -> str:
    actions.set_tags(ticket, actor=context.actor, remove=[step["value"]])
    return _("removed tag %(tag)s") % {"tag": step["value"]}


def _add_note(step: dict[str, str], ticket: Ticket, context: StepContext) -> str:
    actions.add_note(ticket, actor=context.actor, body=placeholders.render(step["text"], ticket))
    return _("added an internal note")


def _email_recipients(target: str, ticket: Ticket) -> list[str]:
    found: list[str] = []
    for part in _split(target):
        key = part.lower()
        if key == "requester":
            found.append(ticket.requester.email)
        elif key == "cc":
            found += list(ticket.cc.values_list("email", flat=True))
        elif key == "assignee" and ticket.assignee is not None:
            found.append(ticket.assignee.email)
        elif key == "team" and ticket.team_id is not None:
            found += list(
                User.objects.filter(team_memberships__team_id=ticket.team_id, is_active=True)
                .exclude(email="")
                .values_list("email", flat=True)
            )
        elif key == "watchers":
            found += list(ticket.watchers.exclude(email="").values_list("email", flat=True))
        elif "@" in part:
            found.append(part)
        else:
            found += list(
                User.objects.filter(username__iexact=part).values_list("email", flat=True)
            )
    unique = list(dict.fromkeys(e for e in found if e))
    return unique[:MAX_RECIPIENTS]


def _send_email(step: dict[str, str], ticket: Ticket, context: StepContext) -> str:
    recipients = _email_recipients(step["target"], ticket)
    if not recipients:
        raise ValidationFailed(_("The email has no recipients."))
    subject = " ".join(placeholders.render(step["value"], ticket).split())
    if ticket.subject_token not in subject:
        subject = f"{subject} {ticket.subject_token}"
    body = placeholders.render(step["text"], ticket)
    # queued in the rule's transaction, sent by the worker after commit
    mail.queue_mail(
        dedupe_key=f"automation:{uuid.uuid4().hex}",
        to=recipients,
        subject=subject[:250],
        body=body,
        headers={"Auto-Submitted": "auto-generated", "X-Ticketdesk-Ticket": str(ticket.number)},
        ticket_id=ticket.pk,
        purpose="automation",
    )
    return _("sent email “%(subject)s” to %(to)s") % {
        "subject": subject,
        "to": ", ".join(recipients),
    }


def _notify_recipients(target: str, ticket: Ticket) -> list[int]:
    ids: list[int] = []
    for part in _split(target):
        key = part.lower()
        if key == "assignee" and ticket.assignee_id is not None:
            ids.append(ticket.assignee_id)
        elif key in ("team", "team_leads") and ticket.team_id is not None:
            members = User.objects.filter(team_memberships__team_id=ticket.team_id)
            if key == "team_leads":
                members = members.filter(team_memberships__is_lead=True)
            ids += list(members.filter(is_active=True).values_list("pk", flat=True))
        elif key == "watchers":
            ids += list(ticket.watchers.values_list("pk", flat=True))
        else:
            ids += list(
                User.objects.filter(Q(username__iexact=part) | Q(email__iexact=part)).values_list(
                    "pk", flat=True
                )
            )
    return list(dict.fromkeys(ids))[:MAX_RECIPIENTS]


def _notify(step: dict[str, str], ticket: Ticket, context: StepContext) -> str:
    recipients = _notify_recipients(step["target"], ticket)
    if not recipients:
        raise ValidationFailed(_("Nobody to notify."))
    message = placeholders.render(step["text"], ticket) or _("%(source)s: %(ticket)s") % {
        "source": context.source,
        "ticket": str(ticket),
    }
    publish(
        "automation.notify",
        ticket,
        context.actor,
        recipients=recipients,
        message=message,
        source=context.source,
    )
    return _("notified %(n)s people") % {"n": len(recipients)}


def _webhook(step: dict[str, str], ticket: Ticket, context: StepContext) -> str:
    payload = {
        "event": "automation.webhook",
        "source": context.source,
        "message": placeholders.render(step["text"], ticket),
        "ticket": {
            "id": ticket.pk,
            "number": ticket.number,
            "subject": ticket.subject,
            "status": ticket.status.key,
            "priority": ticket.priority,
            "team": ticket.team.name if ticket.team else None,
            "assignee": ticket.assignee.username if ticket.assignee else None,
            "url": settings.SITE_URL + placeholders.ticket_path(ticket.number),
        },
    }
    publish("automation.webhook", ticket, context.actor, url=step["value"], payload=payload)
    return _("called webhook %(url)s") % {"url": step["value"]}


def _canned(step: dict[str, str], ticket: Ticket, context: StepContext) -> str:
    canned = resolve_canned(step["value"])
    author = context.actor or context.rule_author
    if author is None or not policy.is_agent(author):
        raise ValidationFailed(_("A canned reply needs an agent as its author."))
    body = canned_responses.render_canned(canned, ticket, author)
    actions.reply(ticket, actor=author, body=body)
    return _("replied with canned response “%(name)s”") % {"name": str(canned)}


def _escalate(step: dict[str, str], ticket: Ticket, context: StepContext) -> str:
    team = _lookup(Team, step["target"], "slug", "name") if step["target"] else None
    user = resolve_agent(step["value"]) if step["value"] else None
    reason = placeholders.render(step["text"], ticket) or _("%(source)s: %(ticket)s") % {
        "source": context.source,
        "ticket": str(ticket),
    }
    escalated = actions.escalate(ticket, actor=context.actor, reason=reason, team=team, user=user)
    return _("escalated to %(level)s") % {"level": level_label(escalated.escalation_level)}


def _apply_suggestions(step: dict[str, str], ticket: Ticket, context: StepContext) -> str:
    threshold = parse_confidence(step["value"])
    applied = smart_actions.apply_confident(ticket, threshold, actor=context.actor)
    if not applied:
        return _("no suggestion at or above %(percent)s%%") % {"percent": round(threshold * 100)}
    labels = smart_prediction.labels_for([(s.field, s.value) for s in applied])
    return _("applied suggestions: %(list)s") % {
        "list": ", ".join(
            f"{s.get_field_display()} = {labels[(s.field, s.value)]} ({s.confidence:.0%})"
            for s in applied
        )
    }


RUNNERS: dict[str, Callable[[dict[str, str], Ticket, StepContext], str]] = {
    "set_field": _set_field,
    "assign": _assign,
    "add_tag": _add_tag,
    "remove_tag": _remove_tag,
    "add_note": _add_note,
    "send_email": _send_email,
    "notify": _notify,
    "webhook": _webhook,
    "canned": _canned,
    "escalate": _escalate,
    "apply_suggestions": _apply_suggestions,
}
