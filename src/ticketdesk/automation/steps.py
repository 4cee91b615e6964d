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

Every change goes through `tickets.actions` (actor=None for rules: the system acts; the agent
for macros, so the policy decides). A step raises DomainError when it cannot run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db.models import Model, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Team, User
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.tickets import actions
from ticketdesk.tickets.actions.base import publish
from ticketdesk.tickets.models import (
    BusinessArea,
    Category,
    Status,
    Ticket,
    TicketType,
)

from . import placeholders
from .fields import CUSTOM_PREFIX, parse_level

STEP_TYPES: dict[str, Any] = {
    "set_field": gettext_lazy("Set field"),
    "assign": gettext_lazy("Assign to"),
    "add_tag": gettext_lazy("Add tag"),
    "remove_tag": gettext_lazy("Remove tag"),
    "add_note": gettext_lazy("Add internal note"),
    "send_email": gettext_lazy("Send email"),
    "notify": gettext_lazy("Notify agents"),
    "webhook": gettext_lazy("Call webhook"),
    "canned": gettext_lazy("Apply canned response"),
}
# What a light agent may do through a macro (the policy enforces it anyway).
LIGHT_AGENT_STEPS = {"add_note"}
SETTABLE_FIELDS: dict[str, Any] = {
    "status": gettext_lazy("Status"),
    "priority": gettext_lazy("Priority"),
    "urgency": gettext_lazy("Urgency"),
    "impact": gettext_lazy("Impact"),
    "team": gettext_lazy("Team"),
    "ticket_type": gettext_lazy("Type"),
    "category": gettext_lazy("Category"),
    "business_area": gettext_lazy("Business area"),
}
MAX_RECIPIENTS = 50
MAX_STEPS = 20


@dataclass
class StepContext:
    """Who runs the steps: `actor` None for rules (the system), the agent for macros."""

    actor: User | None
    rule_author: User | None = None
    source: str = ""  # rule or macro name, for messages to the outside


# ---------------------------------------------------------------- lookups


def _lookup(model: type[Model], value: str, *names: str) -> Any:
    value = value.strip()
    if not value:
        return None
    condition = Q()
    for name in names:
        condition |= Q(**{f"{name}__iexact": value})
    if value.isdigit() and len(value) < 10:
        condition |= Q(pk=int(value))
    found = model._default_manager.filter(condition).first()
    if found is None:
        raise ValidationFailed(
            _("“%(value)s” is not a known %(what)s.")
            % {"value": value, "what": model._meta.verbose_name},
            fields={"value": [_("Not found.")]},
        )
    return found


def resolve_field_value(field: str, value: str) -> tuple[str, Any]:
    """(set_fields keyword, value) for a set_field step."""
    if field.startswith(CUSTOM_PREFIX) and len(field) > len(CUSTOM_PREFIX):
        return "custom_fields", {field[len(CUSTOM_PREFIX) :]: value}
    if field in ("priority", "urgency", "impact"):
        if field == "priority" and value.strip().lower() in ("", "auto"):
            return "priority", None
        level = parse_level(value)
        if level is None:
            raise ValidationFailed(
                _("Use low, medium, high or critical."), fields={"value": [_("Unknown level.")]}
            )
        return field, level
    lookups: dict[str, tuple[type[Model], tuple[str, ...]]] = {
        "status": (Status, ("key", "name")),
        "team": (Team, ("slug", "name")),
        "ticket_type": (TicketType, ("key", "name")),
        "category": (Category, ("path", "name")),
        "business_area": (BusinessArea, ("name",)),
    }
    if field not in lookups:
        raise ValidationFailed(
            _("“%(f)s” cannot be set by automation.") % {"f": field},
            fields={"target": [_("Unknown field.")]},
        )
    model, names = lookups[field]
    found = _lookup(model, value, *names)
    if found is None and field == "status":
        raise ValidationFailed(_("Choose a status."), fields={"value": [_("Required.")]})
    return field, found


def resolve_agent(value: str) -> User | None:
    value = value.strip()
    if not value or value.lower() in ("none", "nobody"):
        return None
    by_id = Q(pk=int(value)) if value.isdigit() and len(value) < 10 else Q(pk__in=[])
    found = User.objects.filter(Q(username__iexact=value) | Q(email__iexact=value) | by_id).first()
    if found is None or not policy.is_agent(found):
        raise ValidationFailed(
            _("“%(v)s” is not an agent.") % {"v": value}, fields={"value": [_("Not found.")]}
        )
    return found


def _canned_model() -> Any:
    try:
        return apps.get_model("workspace", "CannedResponse")
    except LookupError:
        return None


def resolve_canned(value: str) -> Any:
    model = _canned_model()
    if model is None:
        raise ValidationFailed(_("Canned responses are not available."))
    names = [f.name for f in model._meta.get_fields() if f.name in ("name", "title")]
    return _lookup(model, value, *names)


# ---------------------------------------------------------------- validation


def validate_steps(steps: Any) -> list[dict[str, str]]:
    """A clean copy of a step list, or ValidationFailed (references are checked now and
    again when the step runs)."""
    if not isinstance(steps, list):
        raise ValidationFailed(_("Actions must be a list."))
    if len(steps) > MAX_STEPS:
        raise ValidationFailed(_("At most %(n)s actions.") % {"n": MAX_STEPS})
    clean = []
    for raw in steps:
        if not isinstance(raw, dict):
            raise ValidationFailed(_("An action must be an object."))
        step = {k: str(raw.get(k) or "").strip() for k in ("type", "target", "value", "text")}
        kind = step["type"]
        if kind not in STEP_TYPES:
            raise ValidationFailed(
                _("Unknown action “%(a)s”.") % {"a": kind}, fields={"type": [_("Unknown.")]}
            )
        _validate_step(step)
        clean.append({k: v for k, v in step.items() if v or k == "type"})
    return clean


def _validate_step(step: dict[str, str]) -> None:
    kind, target, value, text = step["type"], step["target"], step["value"], step["text"]
    if kind == "set_field":
        if target not in SETTABLE_FIELDS and not target.startswith(CUSTOM_PREFIX):
            raise ValidationFailed(
                _("Choose a field to set."), fields={"target": [_("Unknown field.")]}
            )
        resolve_field_value(target, value)
    elif kind == "assign":
        resolve_agent(value)
        if target:
            _lookup(Team, target, "slug", "name")
    elif kind in ("add_tag", "remove_tag") and not value:
        raise ValidationFailed(_("Name the tag."), fields={"value": [_("Required.")]})
    elif kind == "add_note" and not text:
        raise ValidationFailed(_("Write the note."), fields={"text": [_("Required.")]})
    elif kind == "send_email":
        if not value or not text:
            raise ValidationFailed(
                _("An email needs a subject and a body."),
                fields={"value": [_("Required.")], "text": [_("Required.")]},
            )
        _validate_recipients(target, EMAIL_KEYWORDS)
    elif kind == "notify":
        _validate_recipients(target, NOTIFY_KEYWORDS)
    elif kind == "webhook":
        if not value.lower().startswith(("https://", "http://")) or len(value) > 500:
            raise ValidationFailed(
                _("Enter an http(s) URL."), fields={"value": [_("Enter a URL.")]}
            )
    elif kind == "canned":
        resolve_canned(value)


EMAIL_KEYWORDS = {"requester", "cc", "assignee", "team", "watchers"}
NOTIFY_KEYWORDS = {"assignee", "team", "team_leads", "watchers"}


def _split(target: str) -> list[str]:
    return [p.strip() for p in target.replace(";", ",").split(",") if p.strip()]


def _validate_recipients(target: str, keywords: set[str]) -> None:
    parts = _split(target)
    if not parts:
        raise ValidationFailed(_("Name the recipients."), fields={"target": [_("Required.")]})
    for part in parts:
        if part.lower() in keywords:
            continue
        if "@" in part and keywords is EMAIL_KEYWORDS:
            try:
                validate_email(part)
            except ValidationError:
                raise ValidationFailed(
                    _("“%(v)s” is not an email address.") % {"v": part},
                    fields={"target": [_("Invalid address.")]},
                ) from None
            continue
        if not User.objects.filter(Q(username__iexact=part) | Q(email__iexact=part)).exists():
            raise ValidationFailed(
                _("Unknown recipient “%(v)s”.") % {"v": part},
                fields={"target": [_("Unknown recipient.")]},
            )


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
    EmailMessage(subject[:250], body, settings.DEFAULT_FROM_EMAIL, recipients).send()
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
    body = render_canned(canned, ticket, author)
    actions.reply(ticket, actor=author, body=body)
    return _("replied with canned response “%(name)s”") % {"name": str(canned)}


def render_canned(canned: Any, ticket: Ticket, agent: User) -> str:
    """The workspace app renders canned responses (placeholders, signature); fall back to
    our own placeholders if its module is missing."""
    try:
        module = importlib.import_module("ticketdesk.workspace.canned")
    except ImportError:
        module = None
    if module is not None and hasattr(module, "render_canned"):
        result = module.render_canned(canned, ticket, agent)
    else:
        result = placeholders.render(str(getattr(canned, "body", "") or ""), ticket)
    if isinstance(result, tuple):  # (subject, body) or similar
        result = result[-1]
    if isinstance(result, dict):
        result = result.get("body") or result.get("text") or ""
    return str(getattr(result, "body", result))


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
}


def describe(step: dict[str, Any]) -> str:
    """What a step would do, in words (for dry runs and lists)."""
    kind = str(step.get("type"))
    label = str(STEP_TYPES.get(kind, kind))
    target, value = step.get("target") or "", step.get("value") or ""
    if kind == "set_field":
        return _("Set %(field)s to %(value)s") % {
            "field": SETTABLE_FIELDS.get(target, target),
            "value": value or "—",
        }
    parts = [p for p in (target, value) if p]
    return f"{label}: {' · '.join(parts)}" if parts else label
