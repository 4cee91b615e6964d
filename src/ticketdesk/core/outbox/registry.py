"""Who consumes which events, and the senders the worker runs after the consumers.

Apps register in their AppConfig.ready():

    @outbox.consumer("sla", topics={"ticket.created", "ticket.updated", "message.created"})
    def recompute(events: list[OutboxMessage]) -> None: ...

A consumer receives a batch of its events (in id order, all events of a ticket in the same
batch) inside a transaction that also deletes the deliveries it handled: whatever it writes
commits exactly once with them. It must be idempotent (after a crash a batch may be handled
again) and must not speak to the network: record an intent (core.mail.queue_mail, a webhook
delivery row) and let a sender perform it after commit.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ticketdesk.core.models import OutboxMessage

BatchHandler = Callable[[list["OutboxMessage"]], None]
Sender = Callable[[float | None], int]  # (deadline on time.monotonic() or None) -> work done

DEFAULT_MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Consumer:
    name: str
    handle: BatchHandler
    topics: frozenset[str] | None  # None: every topic
    # acts on the desk or the world (rules, routing, notifications, mail, webhooks): never for
    # history being loaded; derived state (search, SLA, reports) takes every event
    live_only: bool
    chunk_size: int  # events handled in one transaction
    max_attempts: int

    def wants(self, topic: str, *, historical: bool) -> bool:
        if historical and self.live_only:
            return False
        return self.topics is None or topic in self.topics


_batch: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "outbox_batch", default=None
)


@contextlib.contextmanager
def batch_scope() -> Iterator[dict[Any, Any]]:
    """The worker opens one around each claimed batch: what consumers memoize in it
    (configuration: rules, policies, settings) is loaded once per batch."""
    token = _batch.set({})
    try:
        yield _batch.get() or {}
    finally:
        _batch.reset(token)


def batch_cached(key: Any, load: Callable[[], Any]) -> Any:
    """`load()` once per batch (every call outside a batch loads again)."""
    cache = _batch.get()
    if cache is None:
        return load()
    if key not in cache:
        cache[key] = load()
    return cache[key]


_consumers: dict[str, Consumer] = {}
_senders: dict[str, Sender] = {}
_by_topic: dict[tuple[str, bool], list[str]] = {}


def consumer(
    name: str,
    *,
    topics: Iterable[str] | None = None,
    live_only: bool = False,
    chunk_size: int = 50,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> Callable[[BatchHandler], BatchHandler]:
    """Register a batch handler as the consumer `name` (names are stored with each delivery:
    keep them stable)."""
    if len(name) > 40:
        raise ValueError("consumer names have at most 40 characters")

    def register(handler: BatchHandler) -> BatchHandler:
        _consumers[name] = Consumer(
            name=name,
            handle=handler,
            topics=frozenset(topics) if topics is not None else None,
            live_only=live_only,
            chunk_size=max(1, chunk_size),
            max_attempts=max(1, max_attempts),
        )
        _by_topic.clear()
        return handler

    return register


def unregister(name: str) -> None:
    _consumers.pop(name, None)
    _by_topic.clear()


def register_sender(name: str, sender: Sender) -> None:
    """A function the worker calls after each round of consumers to perform recorded intents
    (send mail, post webhooks) outside any transaction."""
    _senders[name] = sender


def consumers() -> list[Consumer]:
    return [_consumers[name] for name in sorted(_consumers)]


def get(name: str) -> Consumer | None:
    return _consumers.get(name)


def senders() -> list[tuple[str, Sender]]:
    return sorted(_senders.items())


def consumer_names_for(topic: str, *, historical: bool) -> list[str]:
    key = (topic, historical)
    names = _by_topic.get(key)
    if names is None:
        names = [c.name for c in consumers() if c.wants(topic, historical=historical)]
        _by_topic[key] = names
    return names
