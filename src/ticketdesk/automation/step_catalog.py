"""What steps exist, how their names and values are resolved to rows, and their
validation when a rule or macro is saved (see steps.py for running them)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Model, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Team, User
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.tickets.models import (
    BusinessArea,
    CannedResponse,
    Category,
    Status,
    TicketType,
)

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
    "escalate": gettext_lazy("Escalate"),
    "apply_suggestions": gettext_lazy("Apply smart suggestions above a confidence (%)"),
}
# What a light agent may do through a macro (the policy decides; see policy.can_apply_macro).
LIGHT_AGENT_STEPS = set(policy.LIGHT_AGENT_MACRO_STEPS)
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


def resolve_canned(value: str) -> CannedResponse:
    return _lookup(CannedResponse, value, "title")  # type: ignore[no-any-return]


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
    elif kind == "apply_suggestions":
        parse_confidence(value)
    elif kind == "escalate":
        if target:
            _lookup(Team, target, "slug", "name")
        if value:
            resolve_agent(value)


def parse_confidence(value: str) -> float:
    """A confidence threshold written as a percentage (“90”, “90%”) or a fraction
    (“0.9”), as a fraction; 80 % when empty."""
    text = (value or "80").strip().rstrip("%").strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    fraction = number / 100 if number > 1 else number
    if not 0 < fraction <= 1:
        raise ValidationFailed(
            _("Enter a confidence between 1 and 100 (%)."),
            fields={"value": [_("Enter a number between 1 and 100.")]},
        )
    return fraction


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
