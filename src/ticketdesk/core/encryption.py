"""Secrets at rest: mailbox passwords, webhook signing secrets, OAuth tokens are stored
encrypted (Fernet: AES-128-CBC + HMAC-SHA256) with a key from the environment.

The key is TICKETDESK_ENCRYPTION_KEY (one or more Fernet keys, comma-separated, the first
encrypts, all decrypt: rotation), or else one derived from SECRET_KEY with HKDF. Stored
values carry the prefix `enc1:`; a value without it (written before this existed) is read
as it is and encrypted on the next save (migrations encrypt the existing rows).
See docs/configuration.md, "Secrets at rest".
"""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _

PREFIX = "enc1:"


class SecretUnreadable(Exception):
    """A stored secret that none of the configured keys decrypts (the key changed)."""


def _derived_key(secret_key: str) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"ticketdesk", info=b"secrets at rest v1"
    )
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    try:
        fernets = [Fernet(key.encode()) for key in keys] or [Fernet(_derived_key(secret_key))]
    except ValueError as exc:
        raise ImproperlyConfigured(
            "TICKETDESK_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64-encoded bytes); "
            "make one with `ticketdesk generate_encryption_key`."
        ) from exc
    return MultiFernet(fernets)


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.TICKETDESK_ENCRYPTION_KEYS), settings.SECRET_KEY)


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def encrypt(value: str) -> str:
    if not value or is_encrypted(value):
        return value
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not is_encrypted(value):
        return value
    try:
        return fernet().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted: TICKETDESK_ENCRYPTION_KEY (or SECRET_KEY) "
            "is not the one it was written with"
        ) from None


class SecretInput(forms.PasswordInput):
    """Never renders the stored value: an empty box that says whether one is set, and a
    checkbox to remove it."""

    template_name = "core/widgets/secret_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"autocomplete": "new-password", **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, None, attrs)
        context["widget"]["is_set"] = bool(value) and value is not KEEP
        context["widget"]["clear_name"] = f"{name}__clear"
        if context["widget"]["is_set"]:
            context["widget"]["attrs"]["placeholder"] = str(_("•••• set — leave empty to keep"))
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if data.get(f"{name}__clear"):
            return CLEAR
        return data.get(name) or KEEP

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}__clear" not in data


class _Marker(str):
    __slots__ = ()


KEEP = _Marker("")  # the box was left empty: keep the stored secret
CLEAR = _Marker("")  # "remove" was ticked


class SecretFormField(forms.CharField):
    widget = SecretInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("widget", None)
        kwargs["required"] = False
        kwargs.setdefault("strip", False)
        super().__init__(widget=SecretInput, **kwargs)

    def to_python(self, value: Any) -> Any:
        if value is KEEP or value is CLEAR:
            return value
        return super().to_python(value)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return data is not KEEP


class EncryptedTextField(models.TextField):
    """A text column whose value is stored encrypted and read back in clear. Not searchable
    (each save gives a new ciphertext). Forms show it with SecretInput."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return decrypt(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            return decrypt(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(str(value))

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().formfield(**{"form_class": SecretFormField, **kwargs})

    def save_form_data(self, instance: Any, data: Any) -> None:
        if data is KEEP:
            return
        super().save_form_data(instance, "" if data is CLEAR else data)


# --- data migrations of encrypted columns ---------------------------------------------------


def encrypt_column(app_label: str, model_name: str, field: str) -> Any:
    """A RunPython pair: forwards encrypts the column's clear values, backwards decrypts."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        _rewrite(apps, schema_editor, app_label, model_name, field, encrypt)

    def backwards(apps: Any, schema_editor: Any) -> None:
        _rewrite(apps, schema_editor, app_label, model_name, field, decrypt)

    return forwards, backwards


def _rewrite(
    apps: Any, schema_editor: Any, app_label: str, model_name: str, field: str, change: Any
) -> None:
    model = apps.get_model(app_label, model_name)
    connection = schema_editor.connection
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(field).column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {column} FROM {table}")  # noqa: S608 - names are quoted
        rows = cursor.fetchall()
        for pk, value in rows:
            if value:
                cursor.execute(
                    f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608
                    [change(value), pk],
                )
