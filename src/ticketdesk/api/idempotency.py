"""`Idempotency-Key` on creates: a retried POST returns what the first one created.

The key row is inserted in the same transaction as the object, so a failed create leaves no
key behind, and a concurrent duplicate waits on the unique index and then replays.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from ticketdesk.core import clock
from ticketdesk.core.errors import Conflict, ValidationFailed

from .models import IdempotencyKey

M = TypeVar("M", bound=Model)
KEEP_FOR = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(ValidationFailed):
    status_code = 422
    code = "idempotency_key_reused"


def request_hash(payload: Any) -> str:
    raw = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def run_once(
    *,
    user: Any,
    key: str | None,
    endpoint: str,
    payload: Any,
    create: Callable[[], M],
    load: Callable[[int], M],
) -> tuple[M, bool]:
    """Run `create()` unless `key` was already used by `user`; return (object, replayed)."""
    if not key:
        return create(), False
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            _("The Idempotency-Key must have 1 to 255 characters."),
            fields={"Idempotency-Key": [_("Invalid key.")]},
        )
    digest = request_hash(payload)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user,
                    key=key,
                    endpoint=endpoint,
                    request_hash=digest,
                    created_at=clock.now(),
                )
        except IntegrityError:
            existing = IdempotencyKey.objects.get(user=user, key=key)
            if existing.endpoint != endpoint or existing.request_hash != digest:
                raise IdempotencyKeyReused(
                    _("This Idempotency-Key was used for a different request."),
                    fields={"Idempotency-Key": [_("Already used with another body.")]},
                ) from None
            if existing.resource_id is None:
                raise Conflict(_("A request with this Idempotency-Key is in progress.")) from None
            return load(existing.resource_id), True
        obj = create()
        record.resource_type = obj._meta.label_lower
        record.resource_id = obj.pk
        record.save(update_fields=["resource_type", "resource_id"])
    return obj, False


def purge_expired() -> int:
    deleted, _rows = IdempotencyKey.objects.filter(created_at__lt=clock.now() - KEEP_FOR).delete()
    return deleted
