"""Fields of type "file": what the doors give (an upload, base64 from the API, the id of an
attachment the ticket has) becomes a `custom_fields.GivenFile` for the one check of field
values (`custom_fields.validate`); after it, each new file is stored as an attachment of the
ticket under the attachment rules (tickets/actions/attachments.py) and the field keeps the
attachment's id."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from ticketdesk.core.errors import ValidationFailed

from .. import custom_fields
from ..custom_fields import GivenFile
from ..models import Attachment, FieldType, Ticket
from .attachments import (
    AttachmentInput,
    StoredFile,
    sanitize_filename,
    sniff_content_type,
    store_attachment,
)


def file_keys() -> set[str]:
    """The keys of the active fields of type "file" (from the configuration cache)."""
    return {d.key for d in custom_fields.active_definitions() if d.field_type == FieldType.FILE}


def _from_api(value: dict[str, Any]) -> AttachmentInput:
    """{"name", "content_base64", "content_type"?}: a file sent in a JSON body."""
    try:
        content = base64.b64decode(str(value.get("content_base64") or ""), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(_("Send the file's content as base64.")) from None
    return AttachmentInput(
        name=str(value.get("name") or ""),
        content=content,
        content_type=str(value.get("content_type") or ""),
    )


def _given(value: Any, ticket: Ticket | None) -> Any:
    if isinstance(value, dict) and "content_base64" in value:
        value = _from_api(value)
    if isinstance(value, AttachmentInput):
        name = sanitize_filename(value.name)
        return GivenFile(
            name=name,
            content_type=sniff_content_type(value.content, name, value.content_type),
            size=len(value.content),
            upload=value,
        )
    text = str(value).strip() if isinstance(value, int | str) else ""
    if text.isdigit() and len(text) < 12 and not isinstance(value, bool):
        found = (
            Attachment.objects.filter(ticket=ticket, pk=int(text)).first()
            if ticket is not None
            else None
        )
        if found is None:
            raise ValueError(_("This ticket has no attachment with this id."))
        return GivenFile(
            name=found.original_name,
            content_type=found.content_type,
            size=found.size,
            attachment_id=found.pk,
        )
    return value  # empty (clears the field), or wrong: the check names it


def given_files(values: dict[str, Any], *, ticket: Ticket | None) -> dict[str, Any]:
    """`values` with each file field's value as a GivenFile. Raises ValidationFailed naming
    each field whose file cannot be read (bad base64, an attachment of another ticket)."""
    keys = file_keys() & set(values)
    if not keys:
        return values
    result = dict(values)
    errors: dict[str, list[str]] = {}
    for key in keys:
        try:
            result[key] = _given(values[key], ticket)
        except ValueError as exc:
            errors[f"custom_fields.{key}"] = [str(exc)]
    if errors:
        raise ValidationFailed(_("Some custom fields are not valid."), fields=errors)
    return result


def uploads(values: dict[str, Any]) -> list[tuple[str, AttachmentInput]]:
    """(key, file) of each new file not yet in storage."""
    return [
        (key, value.upload)
        for key, value in values.items()
        if isinstance(value, GivenFile) and isinstance(value.upload, AttachmentInput)
    ]


def with_stored(
    values: dict[str, Any], keys: Sequence[str], stored: Sequence[StoredFile]
) -> dict[str, Any]:
    """`values` with the uploads of `keys` replaced by their files now in storage."""
    result = dict(values)
    for key, done in zip(keys, stored, strict=True):
        given = result[key]
        result[key] = GivenFile(given.name, given.content_type, given.size, upload=done)
    return result


def attach(ticket: Ticket, values: dict[str, Any]) -> dict[str, Any]:
    """Inside the action's transaction: each checked GivenFile becomes the id of an
    attachment of the ticket (a new row for a file in storage)."""
    result = dict(values)
    for key, value in values.items():
        if not isinstance(value, GivenFile):
            continue
        if isinstance(value.upload, StoredFile):
            attachment = store_attachment(ticket, None, value.upload, field_key=key)
            result[key] = attachment.pk
        elif value.attachment_id is not None:
            result[key] = value.attachment_id
        else:  # an upload not stored first: a bug of the caller, never written mid-transaction
            raise ValueError(f"the file of {key} was not stored before the transaction")
    return result
