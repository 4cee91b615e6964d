"""Writing a configuration row from values a form (or the API, or a file) has parsed: the
shared middle of the apps' settings actions (`save_mailbox`, `save_endpoint`, ...), which
ask the policy first and hold the rules of their own rows.

Values are applied the way a ModelForm applies them, so a secret box left empty (`KEEP`)
keeps the stored secret and "remove" (`CLEAR`) empties it; the row is then checked with the
model's own validation (`full_clean`) and saved with an ordinary `save()`, so that the audit
log's configuration tracking records it (who, when, before/after, secrets masked)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext as _

from .errors import ValidationFailed

Row = TypeVar("Row", bound=models.Model)


def assign(instance: Row, values: Mapping[str, Any], *, only: Iterable[str] = ()) -> Row:
    """Set the named columns of `instance` (many-to-many columns are left to the caller:
    they need the row saved first). With `only`, other names are ignored."""
    allowed = set(only)
    for name, value in values.items():
        if allowed and name not in allowed:
            continue
        model_field = instance._meta.get_field(name)
        if model_field.many_to_many or not model_field.concrete:
            continue
        model_field.save_form_data(instance, value)  # type: ignore[union-attr]
    return instance


def save_valid(instance: Row, *, exclude: Iterable[str] = ()) -> Row:
    """Validate the row with its model's rules, then save it. Raises ValidationFailed with
    each wrong column's messages (ones about the whole row under "__all__")."""
    try:
        instance.full_clean(exclude=list(exclude) or None)
    except DjangoValidationError as error:
        fields = {
            ("__all__" if name == NON_FIELD_ERRORS else name): [str(m) for m in messages]
            for name, messages in error.message_dict.items()
        }
        raise ValidationFailed(_("Some fields are not valid."), fields=fields) from None
    instance.save()
    return instance
