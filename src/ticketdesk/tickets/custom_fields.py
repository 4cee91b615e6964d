"""Validation of custom field values against their typed definitions."""

from __future__ import annotations

import datetime as dt
import mimetypes
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ticketdesk.accounts.models import Role, User
from ticketdesk.core.errors import ValidationFailed

from .config import cached
from .models import CustomFieldDefinition, FieldSection, FieldType, TicketType
from .models.configuration import category_tree

# the settings of a field that apply to each type (the form builder hides the others, and
# the configuration actions refuse or drop them): "required", help text, section and the
# rest apply to every type
TYPE_SETTINGS: dict[str, tuple[str, ...]] = {
    FieldType.TEXT: ("pattern", "min_length", "max_length"),
    FieldType.NUMBER: ("min_value", "max_value"),
    FieldType.CHOICE: ("choices",),
    FieldType.MULTI_CHOICE: ("choices",),
    FieldType.FILE: ("allowed_file_types", "max_file_bytes"),
}
TYPED_SETTINGS: tuple[str, ...] = ("pattern", "min_length", "max_length", "min_value")
TYPED_SETTINGS += ("max_value", "choices", "allowed_file_types", "max_file_bytes")


def settings_of_type(field_type: str) -> tuple[str, ...]:
    """The type-specific settings that apply to a field of `field_type`."""
    return TYPE_SETTINGS.get(field_type, ())


def definitions_for(ticket_type: TicketType | None) -> QuerySet[CustomFieldDefinition]:
    qs = CustomFieldDefinition.objects.filter(active=True)
    if ticket_type is None:
        return qs.filter(ticket_types__isnull=True)
    return qs.filter(Q(ticket_types__isnull=True) | Q(ticket_types=ticket_type)).distinct()


def _all_definitions() -> list[tuple[CustomFieldDefinition, frozenset[int]]]:
    rows = CustomFieldDefinition.objects.filter(active=True).prefetch_related("ticket_types")
    return [(d, frozenset(t.pk for t in d.ticket_types.all())) for d in rows]


def active_definitions() -> list[CustomFieldDefinition]:
    """Every active custom field, from the per-process configuration cache."""
    return [
        definition for definition, _types in cached("custom_field_definitions", _all_definitions)
    ]


def cached_definitions_for(ticket_type: TicketType | None) -> list[CustomFieldDefinition]:
    """Like definitions_for, from the per-process configuration cache (no query when warm)."""
    type_id = ticket_type.pk if ticket_type is not None else None
    return [
        definition
        for definition, type_ids in cached("custom_field_definitions", _all_definitions)
        if not type_ids or type_id in type_ids
    ]


def sections() -> dict[int, FieldSection]:
    """Every section of the ticket form by id, from the configuration cache."""
    return cached("field_sections", lambda: {s.pk: s for s in FieldSection.objects.all()})


def group_by_section(
    definitions: list[CustomFieldDefinition],
) -> list[tuple[FieldSection | None, list[CustomFieldDefinition]]]:
    """The fields as the forms draw them: those outside any section first, then each
    section in its order with its fields in theirs (sections without a field are left out)."""
    known = sections()
    loose = [d for d in definitions if d.section_id not in known]
    groups: list[tuple[FieldSection | None, list[CustomFieldDefinition]]] = []
    if loose:
        groups.append((None, loose))
    for section in sorted(known.values(), key=lambda s: (s.order, s.pk)):
        inside = [d for d in definitions if d.section_id == section.pk]
        if inside:
            groups.append((section, inside))
    return groups


def _choice_values(definition: CustomFieldDefinition) -> list[str]:
    values = []
    for choice in definition.choices or []:
        values.append(str(choice["value"]) if isinstance(choice, dict) else str(choice))
    return values


TEXT_LIMIT = 2000


def desk_agents() -> list[tuple[int, str]]:
    """(id, name) of the active admins and agents by name: the choices of a field of type
    "user", from the per-process configuration cache (no query when warm)."""

    def load() -> list[tuple[int, str]]:
        people = User.objects.filter(is_active=True, role__in=(Role.ADMIN, Role.AGENT)).order_by(
            "first_name", "last_name", "username"
        )
        return [(person.pk, person.display_name) for person in people]

    return cached("custom_field_agents", load)


@dataclass(frozen=True)
class Reference:
    """A field type whose values are rows of a feature app above this layer (an asset of
    the `assets` inventory): the app registers how to list them and name one (its
    AppConfig.ready calls `register_reference`); values are stored as the row's id."""

    choices: Callable[[], list[tuple[int, str]]]  # (id, name) of what a form offers
    name_of: Callable[[int], str | None]  # None: no such row (or not to be chosen)


REFERENCES: dict[str, Reference] = {}


def register_reference(field_type: str, reference: Reference) -> None:
    REFERENCES[field_type] = reference


def reference_name(field_type: str, value: Any) -> str | None:
    reference = REFERENCES.get(field_type)
    if reference is None or not isinstance(value, int):
        return None
    return reference.name_of(value)


def agent_name(value: Any) -> str | None:
    """The name of the agent a "user" field holds; None when no active agent has the id."""
    return dict(desk_agents()).get(value if isinstance(value, int) else -1)


def _check_length(definition: CustomFieldDefinition, text: str) -> None:
    longest = min(definition.max_length or TEXT_LIMIT, TEXT_LIMIT)
    if len(text) > longest:
        raise ValueError(_("Use at most %(n)s characters.") % {"n": longest})
    if definition.min_length and len(text) < definition.min_length:
        raise ValueError(_("Use at least %(n)s characters.") % {"n": definition.min_length})


def shown_for(definition: CustomFieldDefinition, category_id: int | None) -> bool:
    """Whether the field is asked for a ticket of category `category_id`: always, or only
    when the category is the field's `show_when_category` or below it (from the cached
    category tree, no query)."""
    wanted = definition.show_when_category_id
    if wanted is None:
        return True
    tree = category_tree()
    seen: set[int] = set()
    current = category_id
    while current is not None and current not in seen:
        if current == wanted:
            return True
        seen.add(current)
        current = tree[current][0] if current in tree else None
    return False


def shown_category_ids(definition: CustomFieldDefinition) -> list[int] | None:
    """The categories for which the field is asked (its category and every one below it),
    for the forms to show or hide it as the category changes; None: always asked."""
    if definition.show_when_category_id is None:
        return None
    return sorted(pk for pk in category_tree() if shown_for(definition, pk))


def condition_attrs(definition: CustomFieldDefinition) -> dict[str, str]:
    """The widget attributes that let behaviours.js hide the field for other categories."""
    ids = shown_category_ids(definition)
    return {} if ids is None else {"data-show-when-category": " ".join(map(str, ids))}


@dataclass(frozen=True)
class GivenFile:
    """A file given for a field of type "file", as the checks see it: a new upload
    (`upload`, which the ticket action stores as an attachment of the ticket) or an
    attachment the ticket already has (`attachment_id`). The stored value is the
    attachment's id. `content_type` is the one sniffed from the bytes, not the declared."""

    name: str
    content_type: str
    size: int
    attachment_id: int | None = None
    upload: Any = None  # AttachmentInput, or StoredFile once written to storage


# content a listed extension does not vouch for: a page or a program renamed to ".pdf"
_RISKY_TYPES = ("text/html", "application/x-msdownload", "application/x-executable")


def file_type_rules(text: str) -> list[str]:
    """The allowed file types written as ".pdf, image/*": lower-case, ".pdf" for "pdf"."""
    rules = []
    for raw in re.split(r"[\s,;]+", text or ""):
        rule = raw.strip().lower()
        if not rule:
            continue
        if "/" not in rule and not rule.startswith("."):
            rule = "." + rule
        rules.append(rule)
    return list(dict.fromkeys(rules))


def bad_file_type_rules(text: str) -> list[str]:
    """The rules of `text` that are neither an extension nor a content type."""
    return [
        rule
        for rule in file_type_rules(text)
        if not re.fullmatch(r"\.[a-z0-9]{1,10}|[a-z][a-z0-9.+-]*/(\*|[a-z0-9][a-z0-9.+-]*)", rule)
    ]


def _content_matches_name(name: str, content_type: str) -> bool:
    guessed = mimetypes.guess_type(name)[0]
    if guessed == content_type:
        return True
    if content_type in _RISKY_TYPES:
        return False
    if guessed is None:
        return True
    if content_type == "application/pdf" or content_type.startswith("image/"):
        return guessed.split("/")[0] == content_type.split("/")[0] != "application"
    return True


def file_type_allowed(rules: list[str], name: str, content_type: str) -> bool:
    """Does a file pass the allowed types? A listed extension counts only when the content
    does not say otherwise (a program renamed to .pdf is refused); a content type is
    matched against the type sniffed from the bytes; "image/*" takes any image."""
    if not rules:
        return True
    extension = os.path.splitext(name)[1].lower()
    for rule in rules:
        if rule.startswith("."):
            if extension == rule and _content_matches_name(name, content_type):
                return True
        elif rule.endswith("/*"):
            if content_type.startswith(rule[:-1]):
                return True
        elif content_type == rule:
            return True
    return False


def file_size_limit(definition: CustomFieldDefinition) -> int:
    """The largest file the field takes: its own limit, never above the desk's."""
    desk = int(settings.TICKETDESK["MAX_ATTACHMENT_BYTES"])
    return min(definition.max_file_bytes or desk, desk)


def _clean_file(definition: CustomFieldDefinition, value: Any) -> GivenFile:
    if not isinstance(value, GivenFile):
        raise ValueError(_("Upload a file."))
    rules = file_type_rules(definition.allowed_file_types)
    if not file_type_allowed(rules, value.name, value.content_type):
        raise ValueError(
            _("This type of file is not accepted here. Accepted: %(types)s.")
            % {"types": ", ".join(rules)}
        )
    limit = file_size_limit(definition)
    if value.size > limit:
        raise ValueError(
            _("The file is too large (%(size)s; the limit is %(limit)s).")
            % {"size": filesizeformat(value.size), "limit": filesizeformat(limit)}
        )
    return value


def clean_value(definition: CustomFieldDefinition, value: Any) -> Any:
    """Return the stored form of `value`, or raise ValueError with a user message."""
    kind = definition.field_type
    if kind == FieldType.TEXT:
        text = str(value).strip()
        if definition.pattern and text and not re.fullmatch(definition.pattern, text):
            raise ValueError(_("Enter a value in the expected format."))
        _check_length(definition, text)
        return text
    if kind == FieldType.NUMBER:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(_("Enter a number.")) from None
        if definition.min_value is not None and number < definition.min_value:
            raise ValueError(_("Enter at least %(n)s.") % {"n": definition.min_value})
        if definition.max_value is not None and number > definition.max_value:
            raise ValueError(_("Enter at most %(n)s.") % {"n": definition.max_value})
        return int(number) if number.is_integer() else number
    if kind == FieldType.DATE:
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    if kind == FieldType.CHOICE:
        if str(value) not in _choice_values(definition):
            raise ValueError(_("Choose one of the offered values."))
        return str(value)
    if kind == FieldType.MULTI_CHOICE:
        items = value if isinstance(value, list | tuple) else [value]
        allowed = _choice_values(definition)
        cleaned = [str(v) for v in items]
        if any(v not in allowed for v in cleaned):
            raise ValueError(_("Choose only offered values."))
        return cleaned
    if kind == FieldType.USER:
        text = str(value).strip()
        agent_id = int(text) if text.isdigit() and len(text) < 12 else None
        if agent_id is None or agent_name(agent_id) is None:
            raise ValueError(_("Choose one of the desk's agents."))
        return agent_id
    if kind in REFERENCES:
        text = str(value).strip()
        row_id = int(text) if text.isdigit() and len(text) < 12 else None
        if row_id is None or REFERENCES[kind].name_of(row_id) is None:
            raise ValueError(_("Choose one of the offered items."))
        return row_id
    if kind == FieldType.FILE:
        return _clean_file(definition, value)
    if kind == FieldType.CHECKBOX:
        if isinstance(value, bool):
            return value
        if str(value).lower() in {"1", "true", "yes", "on"}:
            return True
        if str(value).lower() in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(_("Enter yes or no."))
    raise ValueError(_("Unknown field type."))


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False


def validate(
    ticket_type: TicketType | None,
    values: dict[str, Any],
    *,
    existing: dict[str, Any] | None = None,
    for_customer: bool = False,
    category_id: int | None = None,
) -> dict[str, Any]:
    """Validate `values` (a partial update when `existing` is given) and return the merged,
    cleaned dict. Raises ValidationFailed naming each wrong field as `custom_fields.<key>`.

    The one check of custom field values: the portal, the workspace, email and the API all
    reach it through the ticket actions. A field shown only for a category (see `shown_for`)
    is neither required nor kept when the ticket's category `category_id` is another."""
    definitions = {d.key: d for d in cached_definitions_for(ticket_type)}
    errors: dict[str, list[str]] = {}
    result = dict(existing or {})
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            errors[f"custom_fields.{key}"] = [_("Unknown field.")]
            continue
        if _is_empty(value) or not shown_for(definition, category_id):
            result.pop(key, None)
            continue
        try:
            result[key] = clean_value(definition, value)
        except ValueError as exc:
            errors[f"custom_fields.{key}"] = [str(exc)]
    for key, definition in definitions.items():
        if for_customer and not definition.visible_to_customers:
            continue
        if not shown_for(definition, category_id):
            result.pop(key, None)
            continue
        if definition.required and _is_empty(result.get(key)):
            errors.setdefault(f"custom_fields.{key}", [_("This field is required.")])
    if errors:
        raise ValidationFailed(_("Some custom fields are not valid."), fields=errors)
    return result
