"""A request type's form answers: cleaning them (each wrong field named) and writing them
out as the ticket's first message."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from ticketdesk.core.errors import ValidationFailed

from .models import FieldKind, RequestField

MAX_TEXT = 2000


def _clean_one(field: RequestField, value: Any) -> Any:
    """The stored form of `value`; ValueError with a user message when it is wrong."""
    if field.kind in (FieldKind.TEXT, FieldKind.TEXTAREA):
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            raise ValueError(_("Use at most %(n)s characters.") % {"n": MAX_TEXT})
        return text
    if field.kind == FieldKind.NUMBER:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(_("Enter a number.")) from None
        return int(number) if number.is_integer() else number
    if field.kind == FieldKind.DATE:
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    if field.kind == FieldKind.CHOICE:
        if str(value) not in [str(c) for c in field.choices or []]:
            raise ValueError(_("Choose one of the offered values."))
        return str(value)
    if field.kind == FieldKind.CHECKBOX:
        return value is True or str(value).lower() in {"1", "true", "yes", "on"}
    raise ValueError(_("Unknown field type."))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value is False


def clean_answers(fields: list[RequestField], answers: dict[str, Any]) -> dict[str, Any]:
    """Clean `answers` against the form's fields. Raises ValidationFailed naming each wrong
    field as `answers.<key>`."""
    known = {f.key: f for f in fields}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key in answers:
        if key not in known:
            errors[f"answers.{key}"] = [_("Unknown field.")]
    for field in fields:
        value = answers.get(field.key)
        if _empty(value):
            if field.required:
                errors[f"answers.{field.key}"] = [_("This field is required.")]
            continue
        try:
            cleaned[field.key] = _clean_one(field, value)
        except ValueError as exc:
            errors[f"answers.{field.key}"] = [str(exc)]
    if errors:
        raise ValidationFailed(_("Some answers are not valid."), fields=errors)
    return cleaned


def as_markdown(fields: list[RequestField], answers: dict[str, Any]) -> str:
    """The answers as the ticket's first message, in the form's order, labels in the active
    language (the requester's: it is their message, as an email in their words would be)."""
    lines = []
    for field in fields:
        if field.key not in answers:
            continue
        value = answers[field.key]
        if field.kind == FieldKind.CHECKBOX:
            value = _("yes") if value else _("no")
        text = str(value).replace("\n", "  \n")
        lines.append(f"**{field.translated('label')}:** {text}")
    return "\n\n".join(lines) or _("(no details)")


def labelled(fields: list[RequestField], answers: dict[str, Any]) -> list[tuple[str, str]]:
    """(label in the reader's language, value) of each answer, for pages and e-mails."""
    rows = []
    for field in fields:
        if field.key in answers:
            value = answers[field.key]
            if field.kind == FieldKind.CHECKBOX:
                value = _("yes") if value else _("no")
            rows.append((field.translated("label"), str(value)))
    return rows
