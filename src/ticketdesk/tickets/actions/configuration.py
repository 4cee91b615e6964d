"""Changes to the ticket configuration made in the workspace's Settings: custom fields (the
form builder), statuses and the transitions between them.

Each function asks the policy (`manage_settings`), validates, and writes in one transaction
with ordinary `save()`/`delete()` calls, so that the audit log's configuration tracking
(`ticketdesk.privacy.tracking`) records every row changed with its before/after values, and
the per-process configuration cache is cleared (tickets/apps.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.core.errors import ValidationFailed

from .. import custom_fields, priority, workflow
from ..custom_fields import TYPED_SETTINGS, settings_of_type
from ..models import (
    AGENT_ONLY_TYPES,
    CATEGORY_COLOURS,
    Category,
    CustomFieldDefinition,
    FieldSection,
    FieldType,
    Level,
    PriorityRule,
    Status,
    StatusCategory,
    StatusColour,
    TicketType,
    Transition,
)

CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTI_CHOICE)


@dataclass
class FieldSpec:
    """What the form builder says about one custom field."""

    key: str
    label: str
    field_type: str
    choices: list[dict[str, str]] = field(default_factory=list)  # [{"value", "label"}]
    required: bool = False
    help_text: str = ""
    pattern: str = ""
    min_value: float | None = None
    max_value: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    show_when_category: Category | None = None
    visible_to_customers: bool = True
    ticket_types: list[TicketType] = field(default_factory=list)
    translations: dict[str, Any] = field(default_factory=dict)
    section: FieldSection | None = None
    allowed_file_types: str = ""
    max_file_bytes: int | None = None


def _given_setting(spec: FieldSpec, name: str) -> bool:
    value = getattr(spec, name)
    return value not in (None, "", [])


def _type_errors(spec: FieldSpec) -> dict[str, list[str]]:
    """A setting given for a type it does not apply to (a pattern for a checkbox, choices
    for a number) is refused, naming the types it applies to."""
    errors: dict[str, list[str]] = {}
    applies = settings_of_type(spec.field_type)
    for name in TYPED_SETTINGS:
        if name in applies or not _given_setting(spec, name):
            continue
        types = [
            str(label) for value, label in FieldType.choices if name in settings_of_type(value)
        ]
        errors[name] = [
            _("Applies only to fields of type: %(types)s.") % {"types": ", ".join(types)}
        ]
    return errors


def _file_errors(spec: FieldSpec) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    wrong = custom_fields.bad_file_type_rules(spec.allowed_file_types)
    if wrong:
        errors["allowed_file_types"] = [
            _("Not an extension (.pdf) or a content type (image/png): %(rules)s.")
            % {"rules": ", ".join(wrong)}
        ]
    desk = int(settings.TICKETDESK["MAX_ATTACHMENT_BYTES"])
    if spec.max_file_bytes is not None and not 0 < spec.max_file_bytes <= desk:
        errors["max_file_bytes"] = [
            _("Give a size above 0 and at most the desk's attachment limit (%(limit)s).")
            % {"limit": filesizeformat(desk)}
        ]
    return errors


def _field_errors(spec: FieldSpec, field_id: int | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not re.fullmatch(r"[a-z0-9_-]{1,60}", spec.key or ""):
        errors["key"] = [_("Use 1 to 60 lower-case letters, digits, - or _.")]
    elif (
        CustomFieldDefinition.objects.filter(key=spec.key)
        .exclude(pk=field_id or 0)  # 0: no row (ids start at 1)
        .exists()
    ):
        errors["key"] = [_("Another field has this key.")]
    if not spec.label.strip():
        errors["label"] = [_("This field is required.")]
    if spec.field_type not in FieldType.values:
        errors["field_type"] = [_("Choose one of the offered values.")]
    errors.update(_type_errors(spec))
    errors.update(_file_errors(spec))
    if spec.pattern:
        try:
            re.compile(spec.pattern)
        except re.error:
            errors["pattern"] = [_("This is not a valid regular expression.")]
    if (
        spec.min_value is not None
        and spec.max_value is not None
        and spec.min_value > spec.max_value
    ):
        errors["max_value"] = [_("The maximum must not be below the minimum.")]
    if (
        spec.min_length is not None
        and spec.max_length is not None
        and spec.min_length > spec.max_length
    ):
        errors["max_length"] = [_("The maximum must not be below the minimum.")]
    values = [c["value"] for c in spec.choices]
    if spec.field_type in CHOICE_TYPES and not values:
        errors["choices"] = [_("Give at least one choice.")]
    elif len(set(values)) != len(values):
        errors.setdefault("choices", [_("Each choice must be different.")])
    return errors


def save_custom_field(
    *, actor: Any, spec: FieldSpec, definition: CustomFieldDefinition | None = None
) -> CustomFieldDefinition:
    """Create a custom field (at the end of the form) or change `definition`."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    errors = _field_errors(spec, definition.pk if definition else None)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    with transaction.atomic():
        if definition is None:
            last = CustomFieldDefinition.objects.order_by("-order").values_list("order", flat=True)
            definition = CustomFieldDefinition(order=(last.first() or 0) + 1)
        for name in (
            "key",
            "label",
            "field_type",
            "required",
            "help_text",
            "pattern",
            "min_value",
            "max_value",
            "min_length",
            "max_length",
            "show_when_category",
            "visible_to_customers",
            "translations",
            "section",
            "allowed_file_types",
            "max_file_bytes",
        ):
            setattr(definition, name, getattr(spec, name))
        definition.allowed_file_types = ", ".join(
            custom_fields.file_type_rules(spec.allowed_file_types)
        )
        if spec.field_type in AGENT_ONLY_TYPES:
            definition.visible_to_customers = False  # customers do not know the agents
        definition.choices = spec.choices if spec.field_type in CHOICE_TYPES else []
        definition.save()
        definition.ticket_types.set(spec.ticket_types)
    return definition


def set_custom_field_active(*, actor: Any, definition: CustomFieldDefinition, active: bool) -> None:
    """Switch a field off (kept with the values tickets hold) or on again."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    if definition.active != active:
        definition.active = active
        definition.save(update_fields=["active"])


def reorder_custom_fields(*, actor: Any, ordered_ids: list[int]) -> None:
    """Put the fields `ordered_ids` (those of one form) in this order, in the places they
    held among all fields: fields of other forms keep their places."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    with transaction.atomic():
        everything = list(CustomFieldDefinition.objects.select_for_update().order_by("order", "id"))
        wanted = [pk for pk in dict.fromkeys(ordered_ids) if any(d.pk == pk for d in everything)]
        by_id = {d.pk: d for d in everything}
        slots = [i for i, d in enumerate(everything) if d.pk in set(wanted)]
        for slot, pk in zip(slots, wanted, strict=True):
            everything[slot] = by_id[pk]
        for position, definition in enumerate(everything, start=1):
            if definition.order != position:
                definition.order = position
                definition.save(update_fields=["order"])


def save_field_section(
    *,
    actor: Any,
    name: str,
    translations: dict[str, Any] | None = None,
    section: FieldSection | None = None,
) -> FieldSection:
    """Create a section of the ticket form (last) or rename `section`."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            _("Some fields are not valid."), fields={"name": [_("This field is required.")]}
        )
    if len(name) > 80:
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"name": [_("Use at most %(n)s characters.") % {"n": 80}]},
        )
    if FieldSection.objects.filter(name=name).exclude(pk=section.pk if section else 0).exists():
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"name": [_("Another section has this name.")]},
        )
    with transaction.atomic():
        if section is None:
            last = FieldSection.objects.order_by("-order").values_list("order", flat=True).first()
            section = FieldSection(order=(last or 0) + 1)
        section.name = name
        section.translations = translations or {}
        section.save()
    return section


def move_field_section(*, actor: Any, section: FieldSection, up: bool) -> None:
    """Swap `section` with the one before (up) or after it."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    with transaction.atomic():
        ordered = list(FieldSection.objects.select_for_update().order_by("order", "id"))
        at = next(i for i, s in enumerate(ordered) if s.pk == section.pk)
        to = at - 1 if up else at + 1
        if not 0 <= to < len(ordered):
            return
        ordered[at], ordered[to] = ordered[to], ordered[at]
        for position, row in enumerate(ordered, start=1):
            if row.order != position:
                row.order = position
                row.save(update_fields=["order"])


def delete_field_section(*, actor: Any, section: FieldSection) -> None:
    """Remove a section; its fields stay on the form, outside any section."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    section.delete()


@dataclass
class StatusSpec:
    key: str
    name: str
    category: str
    active: bool = True
    translations: dict[str, Any] = field(default_factory=dict)
    colour: str = ""  # one of StatusColour; empty: the colour of the category


def save_status(*, actor: Any, spec: StatusSpec, status: Status | None = None) -> Status:
    """Create a status (last in the workflow) or change `status`."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    errors: dict[str, list[str]] = {}
    if not re.fullmatch(r"[a-z0-9_-]{1,40}", spec.key or ""):
        errors["key"] = [_("Use 1 to 40 lower-case letters, digits, - or _.")]
    elif Status.objects.filter(key=spec.key).exclude(pk=status.pk if status else 0).exists():
        errors["key"] = [_("Another status has this key.")]
    if not spec.name.strip():
        errors["name"] = [_("This field is required.")]
    if spec.category not in StatusCategory.values:
        errors["category"] = [_("Choose one of the offered values.")]
    if spec.colour and spec.colour not in StatusColour.values:
        errors["colour"] = [_("Choose one of the offered colours.")]
    if status is not None and status.is_default and not spec.active:
        errors["active"] = [_("The status for new tickets cannot be switched off.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    with transaction.atomic():
        if status is None:
            last = Status.objects.order_by("-order").values_list("order", flat=True).first()
            status = Status(order=(last or 0) + 1)
        status.key = spec.key
        status.name = spec.name.strip()
        status.category = spec.category
        status.active = spec.active
        status.translations = spec.translations
        status.colour = spec.colour or CATEGORY_COLOURS.get(spec.category, StatusColour.SLATE)
        status.save()
    return status


def set_transitions(*, actor: Any, pairs: set[tuple[int, int]]) -> tuple[int, int]:
    """Make the allowed moves exactly `pairs` of (from status id, to status id); returns how
    many were added and removed."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    known = set(Status.objects.values_list("pk", flat=True))
    wanted = {(a, b) for a, b in pairs if a != b and a in known and b in known}
    with transaction.atomic():
        existing = {(t.from_status_id, t.to_status_id): t for t in Transition.objects.all()}
        removed = [t for pair, t in existing.items() if pair not in wanted]
        for transition in removed:
            transition.delete()
        added = sorted(wanted - set(existing))
        for from_id, to_id in added:
            Transition.objects.create(from_status_id=from_id, to_status_id=to_id)
    return len(added), len(removed)


def save_transition_rules(
    *,
    actor: Any,
    transition: Transition,
    required_fields: list[str],
    ticket_types: list[TicketType] | None = None,
) -> Transition:
    """What `transition` requires before an agent takes it (keys of
    `workflow.requirement_choices()`), and the ticket types it is limited to (`None`: left
    as they are; empty: every type)."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    known = {key for key, _label in workflow.requirement_choices()}
    unknown = [key for key in required_fields if key not in known]
    if unknown:
        raise ValidationFailed(
            _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))},
            fields={"required_fields": [_("Choose one of the offered fields.")]},
        )
    with transaction.atomic():
        transition.required_fields = list(dict.fromkeys(required_fields))
        transition.save()
        if ticket_types is not None:
            transition.ticket_types.set(ticket_types)
    return transition


def set_priority_matrix(*, actor: Any, cells: dict[tuple[int, int], int]) -> int:
    """Set cells of the urgency × impact matrix: {(urgency, impact): priority}. Returns how
    many cells changed (each changed row is saved, so the audit log records it)."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    levels = set(Level.values)
    bad = [cell for cell, value in cells.items() if not set(cell) <= levels or value not in levels]
    if bad:
        raise ValidationFailed(
            _("Priorities are 1 (low) to 4 (critical)."),
            fields={f"cell_{u}_{i}": [_("Choose one of the offered values.")] for u, i in bad},
        )
    current = priority.matrix()
    changed = 0
    with transaction.atomic():
        rows = {(r.urgency, r.impact): r for r in PriorityRule.objects.select_for_update()}
        for (urgency, impact), value in sorted(cells.items()):
            if current[(urgency, impact)] == value and (urgency, impact) in rows:
                continue
            rule = rows.get((urgency, impact)) or PriorityRule(urgency=urgency, impact=impact)
            if rule.pk is not None and rule.priority == value:
                continue
            rule.priority = value
            rule.save()
            changed += 1
    return changed
