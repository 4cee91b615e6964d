"""The ticket fields a rule condition can look at, and how each is read from a ticket.

Values are compared case-insensitively. A field that refers to another row (team, assignee,
status, ...) matches by id, name or key ("Network", "network", "7" all match the Network
team), so admins write what they see, not database ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Organization, Team, User
from ticketdesk.core import clock
from ticketdesk.core.translatable import Translatable
from ticketdesk.tickets.models import (
    BusinessArea,
    Category,
    Level,
    MessageKind,
    Status,
    Ticket,
    TicketType,
)

from . import business_hours

# Kinds of value a field holds; they decide which operators make sense.
CHOICE = "choice"  # a set of aliases (id, key, name)
LEVEL = "level"  # 1..4, also by name ("high")
TEXT = "text"
NUMBER = "number"
LIST = "list"  # tags
BOOL = "bool"

EMPTY = {"", "none"}


def level_aliases(value: Any) -> set[str]:
    try:
        level = Level(int(value))
    except (TypeError, ValueError):
        return {str(value).strip().lower()}
    return {str(level.value), level.name.lower(), str(level.label).lower()}


def parse_level(value: Any) -> int | None:
    text = str(value).strip().lower()
    for level in Level:
        if text in level_aliases(level.value):
            return int(level.value)
    return None


def model_aliases(obj: Model | None) -> set[str]:
    if obj is None:
        return set(EMPTY)
    names = {str(obj.pk)}
    for attr in ("key", "slug", "name", "username", "email", "path", "display_name"):
        value = getattr(obj, attr, None)
        if value:
            names.add(str(value).strip().lower())
    if isinstance(obj, Translatable):  # "Novo" matches the New status, in any language
        names.update(text.strip().lower() for text in obj.texts().values() if text)
    return names


def _hours_since(value: dt.datetime | None) -> float | None:
    if value is None:
        return None
    return (clock.now() - value).total_seconds() / 3600


def last_message_text(ticket: Ticket) -> str:
    message = (
        ticket.messages.filter(kind=MessageKind.PUBLIC)
        .order_by("-created_at", "-id")
        .only("body_text")
        .first()
    )
    return message.body_text if message else ""


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: Any
    kind: str
    read: Callable[[Ticket], Any]
    # `read` returns the raw value: a model instance or None (CHOICE), str, int, float, a set
    # of names (LIST) or bool.
    # the TicketEvent.field that records changes of this field ("" = changes are not tracked)
    event_field: str = ""
    model: type[Model] | None = None


def _fk(name: str) -> Callable[[Ticket], Any]:
    return lambda ticket: getattr(ticket, name)


FIELDS: dict[str, FieldSpec] = {
    spec.key: spec
    for spec in [
        FieldSpec("status", _("Status"), CHOICE, _fk("status"), "status", Status),
        FieldSpec(
            "status_category",
            _("Status category"),
            CHOICE,
            lambda t: t.status_category,
            "status_category",
        ),
        FieldSpec("priority", _("Priority"), LEVEL, lambda t: t.priority, "priority"),
        FieldSpec("urgency", _("Urgency"), LEVEL, lambda t: t.urgency, "urgency"),
        FieldSpec("impact", _("Impact"), LEVEL, lambda t: t.impact, "impact"),
        FieldSpec("team", _("Team"), CHOICE, _fk("team"), "team", Team),
        FieldSpec("assignee", _("Assignee"), CHOICE, _fk("assignee"), "assignee", User),
        FieldSpec("ticket_type", _("Type"), CHOICE, _fk("ticket_type"), "ticket_type", TicketType),
        FieldSpec("category", _("Category"), CHOICE, _fk("category"), "category", Category),
        FieldSpec(
            "business_area",
            _("Business area"),
            CHOICE,
            _fk("business_area"),
            "business_area",
            BusinessArea,
        ),
        FieldSpec("channel", _("Channel"), CHOICE, lambda t: t.channel),
        FieldSpec(
            "organization",
            _("Organization"),
            CHOICE,
            _fk("organization"),
            "organization",
            Organization,
        ),
        FieldSpec(
            "requester_email", _("Requester email"), TEXT, lambda t: t.requester.email.lower()
        ),
        FieldSpec(
            "requester_domain",
            _("Requester email domain"),
            TEXT,
            lambda t: t.requester.email.rpartition("@")[2].lower(),
        ),
        FieldSpec("subject", _("Subject"), TEXT, lambda t: t.subject, "subject"),
        FieldSpec("last_message", _("Last public message"), TEXT, last_message_text),
        FieldSpec(
            "tags",
            _("Tags"),
            LIST,
            lambda t: {name.lower() for name in t.tags.values_list("name", flat=True)},
            "tags",
        ),
        FieldSpec("sla_state", _("SLA state"), CHOICE, lambda t: t.sla_state, "sla_state"),
        FieldSpec(
            "escalation_level",
            _("Escalation level (0: not escalated)"),
            NUMBER,
            lambda t: t.escalation_level,
            "escalation",
        ),
        # read from the event, not the ticket (see conditions.evaluate_leaf)
        FieldSpec("sla_metric", _("SLA metric (SLA triggers)"), CHOICE, lambda t: None),
        FieldSpec(
            "sla_alert_hours",
            _("Hours since the SLA warning or breach (SLA triggers)"),
            NUMBER,
            lambda t: None,
        ),
        FieldSpec(
            "hours_since_created",
            _("Hours since created"),
            NUMBER,
            lambda t: _hours_since(t.created_at),
        ),
        FieldSpec(
            "hours_since_updated",
            _("Hours since updated"),
            NUMBER,
            lambda t: _hours_since(t.updated_at),
        ),
        FieldSpec(
            "hours_since_customer_message",
            _("Hours since last customer message"),
            NUMBER,
            lambda t: _hours_since(t.last_customer_message_at),
        ),
        FieldSpec(
            "hours_since_agent_message",
            _("Hours since last agent message"),
            NUMBER,
            lambda t: _hours_since(t.last_agent_message_at),
        ),
        FieldSpec(
            "within_business_hours",
            _("Now is within business hours"),
            BOOL,
            lambda t: business_hours.is_business_time(clock.now(), ticket=t),
        ),
    ]
}

CUSTOM_PREFIX = "custom_fields."


def spec_for(key: str) -> FieldSpec | None:
    """The spec of a field key; custom fields are `custom_fields.<key>`."""
    if key in FIELDS:
        return FIELDS[key]
    if key.startswith(CUSTOM_PREFIX) and len(key) > len(CUSTOM_PREFIX):
        name = key[len(CUSTOM_PREFIX) :]
        return FieldSpec(
            key,
            name,
            TEXT,
            lambda t: (t.custom_fields or {}).get(name),
            "custom_fields",
        )
    return None


def field_choices() -> list[tuple[str, str]]:
    """(key, label) of every condition field, custom fields last."""
    from ticketdesk.tickets.models import CustomFieldDefinition

    choices = [(spec.key, str(spec.label)) for spec in FIELDS.values()]
    definitions = CustomFieldDefinition.objects.filter(active=True)
    for definition in definitions.only("key", "label", "translations"):
        label = definition.translated("label")  # in the admin's language
        choices.append((CUSTOM_PREFIX + definition.key, f"{label} ({_('custom')})"))
    return choices
