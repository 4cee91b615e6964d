"""Resolving a ticket: a summary of what was done and the ticket type's verification
checklist ("Fix tested by", "Customer confirmed the fix").

An agent who resolves (or closes) an active ticket must give both: the summary and every
required item of the checklist. The system (automation, the auto-close job) and customers
(“My problem is solved”) resolve without them. What was given is kept on the ticket
(`resolution_summary`, `verification`) and in the status event's `data["resolution"]`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ticketdesk.core.errors import ValidationFailed

from .models import TicketType, VerificationKind, VerificationStep

MAX_SUMMARY = 5000
MAX_TEXT = 200
TRUE_WORDS = {"1", "true", "yes", "on", "y"}


@dataclass
class Resolution:
    summary: str = ""
    verification: dict[str, Any] = field(default_factory=dict)


def steps_for(ticket_type: TicketType | int | None) -> list[VerificationStep]:
    if ticket_type is None:
        return []
    type_id = ticket_type.pk if isinstance(ticket_type, TicketType) else ticket_type
    return list(
        VerificationStep.objects.filter(ticket_type_id=type_id, active=True).order_by("order", "id")
    )


def _value(step: VerificationStep, raw: Any) -> Any:
    if step.kind == VerificationKind.CHECK:
        if isinstance(raw, str):
            return raw.strip().lower() in TRUE_WORDS
        return bool(raw)
    return " ".join(str(raw or "").split())[:MAX_TEXT]


def check(
    ticket_type: TicketType | int | None, resolution: Resolution | None, *, required: bool
) -> dict[str, Any]:
    """The resolution as stored: {"summary": str, "verification": [{key, label, kind,
    value}]}. With `required` (an agent resolves) a missing summary or required item raises
    ValidationFailed naming each field (`resolution_summary`, `verification.<key>`)."""
    resolution = resolution or Resolution()
    summary = (resolution.summary or "").strip()[:MAX_SUMMARY]
    given = dict(resolution.verification or {})
    steps = steps_for(ticket_type)
    errors: dict[str, list[str]] = {}
    unknown = set(given) - {s.key for s in steps}
    for key in sorted(unknown):
        errors[f"verification.{key}"] = [_("This ticket type has no such checklist item.")]
    if required and not summary:
        errors["resolution_summary"] = [_("Say what was done to solve it.")]
    items = []
    for step in steps:
        value = _value(step, given.get(step.key))
        if required and step.required and not value:
            errors[f"verification.{step.key}"] = [_("This item of the checklist is required.")]
        items.append({"key": step.key, "label": step.label, "kind": step.kind, "value": value})
    if errors:
        message = (
            _("Resolving needs a summary of what was done and the verification checklist.")
            if required
            else _("Check the verification checklist.")
        )
        raise ValidationFailed(message, fields=errors)
    return {"summary": summary, "verification": items}


# Conditions that apps above tickets add to an agent resolving a ticket (time tracking:
# "time is required before resolving"). Each is registered once, from its app's
# AppConfig.ready(), and raises ValidationFailed with a message for the agent. They run in
# the resolving transaction, after the ticket is locked.
ResolveCheck = Callable[[Any, Any], None]  # (ticket, actor)
_resolve_checks: list[ResolveCheck] = []


def register_resolve_check(check: ResolveCheck) -> None:
    if check not in _resolve_checks:
        _resolve_checks.append(check)


def run_resolve_checks(ticket: Any, actor: Any) -> None:
    for check in _resolve_checks:
        check(ticket, actor)
