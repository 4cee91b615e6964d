"""Publishing events: one event row and one delivery row per interested consumer, written in
the caller's transaction; the workers are woken after commit."""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ticketdesk.core import clock
from ticketdesk.core.models import OutboxDelivery, OutboxMessage

from .registry import consumer_names_for

logger = logging.getLogger(__name__)

CHANNEL = "ticketdesk_outbox"
_historical: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "outbox_historical", default=False
)
_stamp: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "outbox_stamp", default=None
)


@contextlib.contextmanager
def stamped(extra: dict[str, Any]) -> Iterator[None]:
    """Every event published inside carries `extra` in its payload (automation marks the
    changes its rules make, for loop protection)."""
    token = _stamp.set({**(_stamp.get() or {}), **extra})
    try:
        yield
    finally:
        _stamp.reset(token)


@contextlib.contextmanager
def historical() -> Iterator[None]:
    """Events published inside are history being loaded (the demo, an import): search, SLA
    and reports process them; no rule fires, nothing is routed, nobody is notified or mailed
    and no webhook is called."""
    token = _historical.set(True)
    try:
        yield
    finally:
        _historical.reset(token)


def is_historical() -> bool:
    return _historical.get()


def publish(
    topic: str,
    payload: dict[str, Any],
    *,
    ticket_id: int | None = None,
    historical: bool | None = None,
) -> OutboxMessage:
    """Record an event inside the caller's transaction (two INSERTs: the event, then its
    deliveries); the workers are woken once per transaction, after commit."""
    now = clock.now()
    # due at once, also when the clock is set ahead (history loaded with its own times)
    due = min(now, timezone.now())
    quiet = _historical.get() if historical is None else historical
    stamp = _stamp.get()
    if stamp:
        payload = {**payload, **stamp}
    message = OutboxMessage.objects.create(
        topic=topic, payload=payload, ticket_id=ticket_id, created_at=now, historical=quiet
    )
    names = consumer_names_for(topic, historical=quiet)
    if names:
        OutboxDelivery.objects.bulk_create(
            [OutboxDelivery(event=message, consumer=name, available_at=due) for name in names]
        )
    wake_after_commit()
    return message


def publish_many(items: list[tuple[str, dict[str, Any], int | None, bool | None]]) -> None:
    """Several events in two statements: [(topic, payload, ticket_id, historical), ...]."""
    if not items:
        return
    now = clock.now()
    due = min(now, timezone.now())
    stamp = _stamp.get() or {}
    messages = OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                topic=topic,
                payload={**payload, **stamp},
                ticket_id=ticket_id,
                created_at=now,
                historical=_historical.get() if historical is None else historical,
            )
            for topic, payload, ticket_id, historical in items
        ]
    )
    OutboxDelivery.objects.bulk_create(
        [
            OutboxDelivery(event=message, consumer=name, available_at=due)
            for message in messages
            for name in consumer_names_for(message.topic, historical=message.historical)
        ]
    )
    wake_after_commit()


def wake_after_commit() -> None:
    """Wake the workers once this transaction commits (once per transaction)."""
    if not any(entry[1] is _wake for entry in connection.run_on_commit):
        transaction.on_commit(_wake)


def _wake() -> None:
    if settings.TICKETDESK.get("RUN_OUTBOX_INLINE"):
        from .worker import process_pending

        process_pending()
        return
    if connection.vendor == "postgresql":
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"NOTIFY {CHANNEL}")
        except Exception:  # the workers poll as well; never fail the user's request
            logger.exception("could not wake the outbox workers")
    # SQLite: the worker polls a few times a second (a cheap read)
