"""Working through the deliveries: claim a batch per consumer, hand it over in chunks (all
events of a ticket together), each chunk in its own short transaction that also deletes the
deliveries it handled; then run the senders outside any transaction.

A chunk that fails is rolled back and its events are tried one by one, so one bad event
holds back nobody else: it is retried with backoff and, after the consumer's maximum number
of attempts, kept as a dead letter an admin can replay. Other consumers never notice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import OperationalError, connection, transaction

from ticketdesk.core import clock
from ticketdesk.core.models import OutboxDelivery, OutboxMessage

from . import claims
from .registry import Consumer, batch_scope, consumers, get, senders

logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # deliveries claimed at once per consumer
BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 3600


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600))


@dataclass
class RoundResult:
    events: int = 0  # deliveries handled (successfully or not)
    failed: int = 0
    sent: int = 0  # work done by the senders
    by_consumer: dict[str, int] = field(default_factory=dict)

    @property
    def busy(self) -> bool:
        return bool(self.events or self.sent)


def _chunks(
    claimed: list[claims.Claimed], events: dict[int, OutboxMessage], size: int
) -> list[list[claims.Claimed]]:
    """Split a claimed batch into chunks of about `size` events, never splitting the events
    of one ticket; chunks keep the order of each ticket's first event."""
    groups: dict[object, list[claims.Claimed]] = {}
    for item in claimed:
        event = events.get(item.event_id)
        key: object = ("t", event.ticket_id) if event and event.ticket_id else ("e", item.event_id)
        groups.setdefault(key, []).append(item)
    chunks: list[list[claims.Claimed]] = []
    current: list[claims.Claimed] = []
    for group in groups.values():
        if current and len(current) + len(group) > size:
            chunks.append(current)
            current = []
        current.extend(group)
    if current:
        chunks.append(current)
    return chunks


LOCKED_RETRIES = 20
DEFERRED_TRIES = 2


@contextlib.contextmanager
def _transaction(*, immediate: bool) -> Iterator[None]:
    """A transaction; on a SQLite worker (BEGIN DEFERRED, see daemon.py) `immediate` makes
    this one take the write lock at BEGIN."""
    mode = getattr(connection, "transaction_mode", None)
    switch = immediate and connection.vendor == "sqlite" and mode == "DEFERRED"
    if switch:
        connection.transaction_mode = "IMMEDIATE"  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            if switch:
                connection.transaction_mode = mode  # type: ignore[attr-defined]
            yield
    finally:
        if switch:
            connection.transaction_mode = mode  # type: ignore[attr-defined]


def write_transaction() -> contextlib.AbstractContextManager[None]:
    """A transaction for a sender that reads and then writes (messaging's inbound queue): on
    a SQLite worker (BEGIN DEFERRED) it takes the write lock at BEGIN, so that an agent's
    commit between its reads and its first write cannot make it fail with "locked"."""
    return _transaction(immediate=True)


class _NotOurs(Exception):
    """Some deliveries of the chunk were taken over by another worker meanwhile."""


def _handle(
    consumer: Consumer, items: list[claims.Claimed], events: dict[int, OutboxMessage]
) -> int:
    """The consumer's work and the deletion of its deliveries, in one transaction; returns
    how many were handled. The deletion is conditional on our claim: if another worker took
    some over (our lease ran out), everything rolls back and only what is still ours is
    handled. On SQLite a chunk that finds the database locked (a writer got in between its
    reads and its first write) is simply tried again: that is not a failure of the event;
    after two such tries it waits for the write lock up front (BEGIN IMMEDIATE), so agents
    writing all the time cannot starve it."""
    for attempt in range(LOCKED_RETRIES + 1):
        batch = [events[i.event_id] for i in items if i.event_id in events]
        try:
            with _transaction(immediate=attempt >= DEFERRED_TRIES):
                if batch:
                    consumer.handle(batch)
                if claims.finish(items) != {i.delivery_id for i in items}:
                    raise _NotOurs
            return len(items)
        except _NotOurs:
            items = claims.still_held(items)
            if not items:
                return 0
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == LOCKED_RETRIES:
                raise
            time.sleep(min(0.005 * 2**attempt, 0.2))
    raise RuntimeError("gave up on a chunk taken over again and again")


def _failed(consumer: Consumer, item: claims.Claimed, exc: BaseException) -> None:
    now = clock.now()
    error = f"{type(exc).__name__}: {exc}"[:4000]
    dead = item.attempts >= consumer.max_attempts
    OutboxDelivery.objects.filter(pk=item.delivery_id, claim=item.claim).update(
        last_error=error,
        available_at=now + backoff(item.attempts),
        dead_at=now if dead else None,
        claim="",
    )
    if dead:
        logger.error(
            "outbox consumer %s gave up on event %s after %s attempts: %s",
            consumer.name,
            item.event_id,
            item.attempts,
            error,
        )
    else:
        logger.warning(
            "outbox consumer %s failed on event %s (attempt %s): %s",
            consumer.name,
            item.event_id,
            item.attempts,
            error,
        )


def work_consumer(
    consumer: Consumer,
    *,
    limit: int = BATCH_SIZE,
    deadline: float | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[int, int]:
    """Claim and handle one batch of `consumer`; returns (handled, failed)."""
    claimed = claims.claim_deliveries(consumer.name, limit)
    if not claimed:
        return 0, 0
    with batch_scope():
        return _work_batch(consumer, claimed, deadline=deadline, should_stop=should_stop)


def _work_batch(
    consumer: Consumer,
    claimed: list[claims.Claimed],
    *,
    deadline: float | None,
    should_stop: Callable[[], bool] | None,
) -> tuple[int, int]:
    events = OutboxMessage.objects.in_bulk([c.event_id for c in claimed])
    handled = failed = 0
    chunks = _chunks(claimed, events, consumer.chunk_size)
    for index, chunk in enumerate(chunks):
        stop = should_stop is not None and should_stop()
        late = deadline is not None and time.monotonic() > deadline
        if stop or late:
            claims.release_deliveries([c for rest in chunks[index:] for c in rest])
            break
        try:
            handled += _handle(consumer, chunk, events)
            continue
        except Exception as exc:
            if len(chunk) == 1:
                _failed(consumer, chunk[0], exc)
                failed += 1
                continue
        for item in chunk:  # find the event that failed; the others go through
            try:
                handled += _handle(consumer, [item], events)
            except Exception as exc:
                _failed(consumer, item, exc)
                failed += 1
    return handled, failed


def run_round(
    *,
    deadline: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    only: set[str] | None = None,
    run_senders: bool = True,
) -> RoundResult:
    """One batch of every consumer with due work, then the senders."""
    result = RoundResult()
    due = claims.due_consumers()
    for consumer in consumers():
        if consumer.name not in due or (only is not None and consumer.name not in only):
            continue
        if should_stop is not None and should_stop():
            break
        handled, failed = work_consumer(consumer, deadline=deadline, should_stop=should_stop)
        result.events += handled + failed
        result.failed += failed
        result.by_consumer[consumer.name] = handled + failed
    if run_senders:
        for name, sender in senders():
            if should_stop is not None and should_stop():
                break
            try:
                result.sent += sender(deadline)
            except Exception:  # a sender records its own failures; keep the worker alive
                logger.exception("sender %s failed", name)
    return result


def process_pending(limit: int | None = None) -> int:
    """Run every consumer once over its due deliveries, then the senders; returns the number
    of distinct events handled. (Tests and RUN_OUTBOX_INLINE use it; the worker loops.)"""
    before = set(
        OutboxDelivery.objects.filter(dead_at__isnull=True, available_at__lte=clock.now())
        .values_list("event_id", flat=True)
        .distinct()[: limit or 100000]
    )
    run_round()
    if not before:
        return 0
    left = set(
        OutboxDelivery.objects.filter(
            event_id__in=before, dead_at__isnull=True, available_at__lte=clock.now()
        ).values_list("event_id", flat=True)
    )
    return len(before - left)


def replay(*, consumer: str | None = None, delivery_ids: list[int] | None = None) -> int:
    """Bring dead letters back: due now, attempts counted from zero."""
    qs = OutboxDelivery.objects.filter(dead_at__isnull=False)
    if consumer:
        qs = qs.filter(consumer=consumer)
    if delivery_ids is not None:
        qs = qs.filter(pk__in=delivery_ids)
    return qs.update(dead_at=None, attempts=0, available_at=clock.now())


__all__ = [
    "RoundResult",
    "backoff",
    "get",
    "process_pending",
    "replay",
    "run_round",
    "write_transaction",
]
