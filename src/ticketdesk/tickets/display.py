"""How stored values read: names of configuration rows (statuses, types, categories,
business areas, custom fields) in the reader's language, looked up by id from the per-process
configuration cache; custom field values; satisfaction ratings.

The event log, reports and exports hold ids; whoever reads them gets the names of today in
their own language (see core/translatable.py). A row that no longer exists keeps the text
stored with the id.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ticketdesk.core.translatable import pick, site_languages

from . import custom_fields, workflow
from .config import cached
from .models import BusinessArea, CustomFieldDefinition, FieldType, TicketType
from .models.configuration import category_path, category_tree

# the event fields that hold a configuration row ({"id": ..., "label": ...})
CONFIGURATION_FIELDS = ("status", "ticket_type", "category", "business_area")
_MODELS: dict[str, Any] = {
    "ticket_type": TicketType,
    "business_area": BusinessArea,
}


def _rows(kind: str) -> dict[int, tuple[str, dict[str, Any]]]:
    if kind == "status":  # the workflow caches every status already
        return {s.pk: (s.name, s.translations or {}) for s in workflow.all_statuses()}
    model = _MODELS[kind]

    def load() -> dict[int, tuple[str, dict[str, Any]]]:
        return {
            pk: (name, translations or {})
            for pk, name, translations in model.objects.values_list("pk", "name", "translations")
        }

    return cached(f"names:{kind}", load)


def name_of(kind: str, pk: Any, language: str | None = None) -> str | None:
    """The name of row `pk` of `kind` ("status", "ticket_type", "category" — its full path —
    or "business_area") in `language` (default: the active one); None if there is no such
    row."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        return None
    if kind == "category":
        return category_path(key, language)
    row = _rows(kind).get(key)
    if row is None:
        return None
    return pick(row[1], "name", row[0], language)


def names_of(kind: str, language: str | None = None) -> dict[int, str]:
    """{id: name in `language`} of every row of `kind` (for reports, exports, pickers)."""
    if kind == "category":
        return {pk: category_path(pk, language) or "" for pk in category_tree()}
    return {
        pk: pick(translations, "name", name, language)
        for pk, (name, translations) in _rows(kind).items()
    }


def ids_named(kind: str, text: str) -> set[int]:
    """Ids of the rows of `kind` named `text` in any language of the site (case-insensitive);
    for categories also the paths below it ("Equipamentos" finds "Equipamentos / Notebook")
    and the last level ("Notebook")."""
    wanted = " ".join(text.split()).casefold()
    found: set[int] = set()
    if not wanted:
        return found
    for code, _name in site_languages():
        for pk, name in names_of(kind, code).items():
            folded = name.casefold()
            below = kind == "category" and (
                folded.startswith(f"{wanted} / ") or folded.rsplit(" / ", 1)[-1] == wanted
            )
            if folded == wanted or below:
                found.add(pk)
    return found


def stored_value(field: str, value: Any) -> str | None:
    """The name of a configuration value from the event log ({"id", "label"}), in the
    reader's language; the stored text when the row is gone or only text was stored (events
    written before the ids were kept, in the language of whoever made the change)."""
    if field not in CONFIGURATION_FIELDS:
        return None
    if isinstance(value, dict):
        name = name_of(field, value.get("id"))
        if name is not None:
            return name
        text = str(value.get("label") or "")
    else:
        text = str(value)
    # shipped English names of old events are in the catalogs
    return _(text) if text and field in ("status", "ticket_type") else text


def custom_field_definitions() -> dict[str, CustomFieldDefinition]:
    """Every custom field definition by key (active or not), cached."""

    def load() -> dict[str, CustomFieldDefinition]:
        return {d.key: d for d in CustomFieldDefinition.objects.all()}

    return cached("custom_field_definitions_by_key", load)


def custom_field_label(key: str) -> str:
    definition = custom_field_definitions().get(key)
    return definition.translated("label") if definition is not None else key


def custom_field_value(key: str, value: Any) -> str:
    """A custom field value as the reader sees it: choice labels translated, yes/no."""
    if value is None or value == "" or value == []:
        return _("nothing")
    definition = custom_field_definitions().get(key)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if definition is not None and definition.field_type == FieldType.USER:
        return custom_fields.agent_name(value) or _("agent #%(id)s") % {"id": value}
    if definition is not None and definition.field_type == FieldType.FILE:
        return _("file #%(id)s") % {"id": value}  # the ticket's attachment of that id
    if definition is not None and definition.field_type in custom_fields.REFERENCES:
        name = custom_fields.reference_name(definition.field_type, value)
        return name or _("item #%(id)s") % {"id": value}
    if definition is not None and definition.choices:
        if isinstance(value, list):
            return ", ".join(definition.choice_label(v) for v in value)
        return definition.choice_label(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def rating_text(score: Any, scale: str = "five") -> str:
    """A satisfaction rating in words: “4/5”, or “Good” / “Bad” on the two-point scale."""
    try:
        value = int(score)
    except (TypeError, ValueError):
        return _("no rating")
    if scale == "binary":
        return _("Good") if value >= 3 else _("Bad")
    return _("%(score)s/5") % {"score": value}
