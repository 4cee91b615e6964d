"""Transactional outbox: actions write side-effect requests; the worker delivers them.

Other apps subscribe with `@subscribe("ticket.created")` (or "*" for every topic) in their
AppConfig.ready(); handlers receive the OutboxMessage and must be idempotent (a row can be
delivered again after a crash).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction

from ticketdesk.core import clock

from .models import OutboxMessage

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxMessage], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)
MAX_ATTEMPTS = 8


def subscribe(topic: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if handler not in _handlers[topic]:
            _handlers[topic].append(handler)
        return handler

    return register


def handlers_for(topic: str) -> list[Handler]:
    return [*_handlers.get(topic, []), *_handlers.get("*", [])]


def publish(topic: str, payload: dict[str, Any], *, ticket_id: int | None = None) -> OutboxMessage:
    """Record a side-effect request inside the caller's transaction; the worker is woken
    after commit."""
    now = clock.now()
    message = OutboxMessage.objects.create(
        topic=topic, payload=payload, ticket_id=ticket_id, created_at=now, available_at=now
    )
    connection = transaction.get_connection()
    # one wake-up per transaction, however many rows it publishes
    if not any(callback is _wake_worker for _ids, callback, _robust in connection.run_on_commit):
        transaction.on_commit(_wake_worker)
    return message


# At most one immediate and one deferred wake-up per second per process: under load a
# transaction that finds a wake-up queued within the last second relies on it, or on a
# drain deferred to the end of that second, instead of queueing a task of its own.
WAKE_INTERVAL = 1.0
_last_wake = -1e9
_deferred_until = -1e9
_monotonic = time.monotonic  # replaceable in tests


def _wake_worker() -> None:
    global _last_wake, _deferred_until
    if settings.TICKETDESK.get("RUN_OUTBOX_INLINE"):
        process_pending()
        return
    from .tasks import drain_outbox

    now = _monotonic()
    try:
        if now - _last_wake >= WAKE_INTERVAL:
            _last_wake = now
            drain_outbox.enqueue()
        elif _deferred_until <= now:
            _deferred_until = _last_wake + WAKE_INTERVAL
            run_after = clock.now() + dt.timedelta(seconds=_deferred_until - now)
            drain_outbox.using(run_after=run_after).enqueue()
    except Exception:  # the periodic drain catches up; never fail the user's request
        logger.exception("could not enqueue outbox drain")


def process_pending(limit: int = 500) -> int:
    """Deliver up to `limit` due outbox rows; return how many were handled."""
    handled = 0
    now = clock.now()
    due = list(
        OutboxMessage.objects.filter(processed_at__isnull=True, available_at__lte=now)
        .order_by("available_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    for message_id in due:
        with transaction.atomic():
            locked = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
                pk=message_id, processed_at__isnull=True
            )
            message = locked.first()
            if message is None:
                continue
            try:
                with transaction.atomic():
                    for handler in handlers_for(message.topic):
                        handler(message)
            except Exception as exc:
                message.attempts += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                delay = dt.timedelta(seconds=min(2**message.attempts * 5, 3600))
                message.available_at = clock.now() + delay
                if message.attempts >= MAX_ATTEMPTS:
                    message.processed_at = clock.now()
                    logger.error(
                        "outbox %s gave up after %s attempts", message.pk, message.attempts
                    )
                message.save(
                    update_fields=["attempts", "last_error", "available_at", "processed_at"]
                )
            else:
                message.processed_at = clock.now()
                message.attempts += 1
                message.save(update_fields=["processed_at", "attempts"])
            handled += 1
    return handled
