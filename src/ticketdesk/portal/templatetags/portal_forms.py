"""Form rendering helpers of the portal."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def described(field: Any) -> SafeString:
    """The field's widget tied to its help text and error messages (`aria-describedby`,
    the ids portal/_field.html gives them), so a screen reader reads them with it."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_help")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    attrs = {"aria-describedby": " ".join(ids)} if ids else None
    return field.as_widget(attrs=attrs)  # type: ignore[no-any-return]
