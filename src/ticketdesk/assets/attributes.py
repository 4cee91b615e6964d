"""An item type's attribute definitions and the validation of an item's values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from .models import AttributeKind, ItemType

MAX_TEXT = 500


def definitions(item_type: ItemType) -> list[dict[str, Any]]:
    """The type's definitions, each with key, label, kind, required, choices (well formed:
    a hand-edited definition without a kind is text)."""
    result = []
    for raw in item_type.attributes or []:
        if not isinstance(raw, dict) or not raw.get("key"):
            continue
        kind = raw.get("kind") if raw.get("kind") in AttributeKind.values else AttributeKind.TEXT
        result.append(
            {
                "key": str(raw["key"]),
                "label": str(raw.get("label") or raw["key"]),
                "kind": kind,
                "required": bool(raw.get("required")),
                "choices": [str(c) for c in raw.get("choices") or []],
            }
        )
    return result


def _clean(definition: dict[str, Any], raw: Any) -> Any:
    """The stored form of one value; raises ValueError with a message for the user."""
    kind = definition["kind"]
    text = "" if raw is None else str(raw).strip()
    if kind == AttributeKind.NUMBER:
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise ValueError(_("Enter a number.")) from None
        return int(number) if number.is_integer() else number
    if kind == AttributeKind.DATE:
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    if kind == AttributeKind.CHOICE and text not in definition["choices"]:
        raise ValueError(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(definition["choices"])}
        )
    return text[:MAX_TEXT]


def validate(item_type: ItemType, values: dict[str, Any]) -> tuple[dict[str, Any], dict]:
    """(the values to store, errors by `attributes.<key>`). Unknown keys are errors; empty
    values are left out; required ones must be given."""
    defs = {d["key"]: d for d in definitions(item_type)}
    stored: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key in sorted(set(values) - set(defs)):
        errors[f"attributes.{key}"] = [_("This type has no such attribute.")]
    for key, definition in defs.items():
        raw = values.get(key)
        if raw is None or str(raw).strip() == "":
            if definition["required"]:
                errors[f"attributes.{key}"] = [_("This field is required.")]
            continue
        try:
            stored[key] = _clean(definition, raw)
        except ValueError as error:
            errors[f"attributes.{key}"] = [str(error)]
    return stored, errors
