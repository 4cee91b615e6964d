"""Storing attachments under a safe generated name, with a sanitised original name."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ticketdesk.core import clock
from ticketdesk.core.errors import TooLarge

from ..models import Attachment, Message, Ticket

MAX_NAME_LENGTH = 180
_DRIVE_PREFIX = re.compile(r"^(?:[A-Za-z]:)+")  # "C:canary.txt" is relative to C:'s folder

_SIGNATURES: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"BM", "image/bmp"),
    (b"RIFF", "application/octet-stream"),
    (b"\xd0\xcf\x11\xe0", "application/x-ole-storage"),
    (b"MZ", "application/x-msdownload"),
    (b"\x7fELF", "application/x-executable"),
]
_OFFICE_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
}


@dataclass
class AttachmentInput:
    name: str
    content: bytes
    content_type: str = ""
    content_id: str = ""
    inline: bool = False

    @classmethod
    def from_upload(cls, upload: Any) -> AttachmentInput:
        """From a Django UploadedFile (reads it; size was already checked by the caller or is
        checked by store_attachment)."""
        return cls(
            name=upload.name or "",
            content=upload.read(),
            content_type=getattr(upload, "content_type", "") or "",
        )


def sanitize_filename(name: str) -> str:
    """No path separators, Windows drive prefix, NUL or control characters; bounded length;
    never empty."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = _DRIVE_PREFIX.sub("", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip().strip(".")
    if not name:
        name = "attachment"
    if len(name) > MAX_NAME_LENGTH:
        stem, ext = os.path.splitext(name)
        ext = ext[:20]
        name = stem[: MAX_NAME_LENGTH - len(ext)] + ext
    return name


def sniff_content_type(content: bytes, name: str, declared: str = "") -> str:
    """Content type from the bytes, then the name; the declared type is trusted least."""
    head = content[:16]
    ext = os.path.splitext(name)[1].lower()
    for signature, mime in _SIGNATURES:
        if head.startswith(signature):
            if mime == "application/zip" and ext in _OFFICE_TYPES:
                return _OFFICE_TYPES[ext]
            if mime == "application/octet-stream":
                break
            return mime
    guessed, _encoding = mimetypes.guess_type(name)
    if guessed and not guessed.startswith(("image/", "application/pdf")):
        return guessed
    if content[:1024].lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return "text/html"
    try:
        content[:4096].decode("utf-8")
        if guessed is None:
            return "text/plain"
    except UnicodeDecodeError:
        pass
    return guessed or declared or "application/octet-stream"


def check_size(size: int) -> None:
    limit = settings.TICKETDESK["MAX_ATTACHMENT_BYTES"]
    if size > limit:
        raise TooLarge(
            _("The attachment is too large (%(size)s; the limit is %(limit)s).")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            fields={"attachments": [_("File too large.")]},
            limit=limit,
        )


@dataclass(frozen=True)
class StoredFile:
    """An attachment's bytes already in storage, waiting for its database row."""

    storage_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    content_id: str
    inline: bool


def _put(item: AttachmentInput) -> StoredFile:
    check_size(len(item.content))
    original = sanitize_filename(item.name)
    ext = os.path.splitext(original)[1].lower()
    ext = ext if re.fullmatch(r"\.[a-z0-9]{1,10}", ext) else ""
    now = clock.now()
    name = default_storage.save(
        f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}{ext}", ContentFile(item.content)
    )
    return StoredFile(
        storage_name=name,
        original_name=original,
        content_type=sniff_content_type(item.content, original, item.content_type),
        size=len(item.content),
        sha256=hashlib.sha256(item.content).hexdigest(),
        content_id=(item.content_id or "").strip("<>")[:255],
        inline=item.inline,
    )


@contextmanager
def files_stored_first(items: Sequence[AttachmentInput]) -> Iterator[list[StoredFile]]:
    """Write the files to storage *before* the database transaction (storage may be S3:
    no network I/O while rows are locked). If the block fails, the files are removed again."""
    stored: list[StoredFile] = []
    try:
        for item in items:
            stored.append(_put(item))
        yield stored
    except BaseException:
        for done in stored:
            with suppress(Exception):
                default_storage.delete(done.storage_name)
        raise


def store_attachment(
    ticket: Ticket,
    message: Message | None,
    item: AttachmentInput | StoredFile,
    *,
    field_key: str = "",
) -> Attachment:
    """The attachment's row; its file is written now unless it was stored first
    (`files_stored_first`), as the ticket actions do. `field_key`: the file is the value of
    that custom field (no message)."""
    stored = item if isinstance(item, StoredFile) else _put(item)
    attachment = Attachment(
        ticket=ticket,
        message=message,
        original_name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        content_id=stored.content_id,
        is_inline=stored.inline,
        field_key=field_key,
        created_at=clock.now(),
    )
    attachment.file.name = stored.storage_name
    attachment.save()
    return attachment
