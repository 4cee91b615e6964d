"""Forgetting what live chat keeps only for streaming: the chats' events (messages as the
streams sent them, typing, joins, transfers, the end) past the retention period. The
conversation itself stays: it is the ticket's messages."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from ticketdesk.core import clock

from .models import ChatEvent

PRUNE_BATCH = 1000


def prune_events(*, keep_days: int | None = None, batch: int = PRUNE_BATCH) -> int:
    """Delete the chat events older than `keep_days` (TICKETDESK_CHAT_EVENTS_KEEP_DAYS) in
    batches of `batch` ids, each in its own transaction; returns how many were deleted."""
    days = settings.TICKETDESK_CHAT_EVENTS_KEEP_DAYS if keep_days is None else keep_days
    cutoff = clock.now() - dt.timedelta(days=days)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                ChatEvent.objects.filter(created_at__lt=cutoff)
                .order_by("id")
                .values_list("id", flat=True)[:batch]
            )
            if not ids:
                return deleted
            count, _per_model = ChatEvent.objects.filter(id__in=ids).delete()
        deleted += count
