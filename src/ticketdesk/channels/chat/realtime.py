"""Real-time delivery for live chat: a wake-up signal between web processes.

The database holds every chat event (`ChatEvent`); a stream (views/streams.py) reads the
events after the last one it sent, then waits on the hub until a writer says "conversation N
changed". The signal crosses processes through a broker:

- **redis** (REDIS_URL or TICKETDESK_REDIS set): Redis pub/sub on one channel, published after
  commit;
- **postgres** (the database is PostgreSQL): `pg_notify` inside the writing transaction, so
  listeners hear it exactly when the event commits; one LISTEN connection per web process;
- **memory** (SQLite and no Redis: `make run`): waiters in this process are woken at once;
  waiters in other processes look again every TICKETDESK_CHAT_POLL_SECONDS (0.5 s), so delivery
  across the two processes of `ticketdesk run` stays under a second. A documented fallback.

TICKETDESK_CHAT_BROKER=redis|postgres|memory overrides the choice.

One listener thread per process feeds the hub; each stream holds a `Waiter` (a
threading.Event) for the topics it follows: a conversation id, or ALL for the agents' console.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)

ALL = 0  # the topic of every conversation (the console)
CHANNEL = "ticketdesk_chat"
HEARTBEAT_SECONDS = 15.0


class Waiter:
    def __init__(self, topic: int) -> None:
        self.topic = topic
        self.event = threading.Event()

    def wait(self, timeout: float) -> bool:
        woken = self.event.wait(timeout)
        self.event.clear()
        return woken


class Hub:
    """The waiters of this process, by topic, and the broker that wakes them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiters: dict[int, set[Waiter]] = defaultdict(set)
        self.listeners: dict[str, threading.Thread] = {}
        self.pid = os.getpid()
        self.ready: dict[str, threading.Event] = defaultdict(threading.Event)

    @property
    def broker(self) -> str:
        return broker_name()

    @property
    def wait_seconds(self) -> float:
        """How long a stream sleeps before it looks again without a signal."""
        if self.broker == "memory":
            return float(getattr(settings, "TICKETDESK_CHAT_POLL_SECONDS", 0.5))
        return HEARTBEAT_SECONDS

    def subscribe(self, topic: int) -> Waiter:
        waiter = Waiter(topic)
        with self.lock:
            if self.pid != os.getpid():  # forked: the parent's listener is not ours
                self.pid, self.listeners = os.getpid(), {}
                self.ready = defaultdict(threading.Event)
                self.waiters.clear()
            self.waiters[topic].add(waiter)
            self._start_listener()
        if self.broker != "memory":  # the first stream of a process waits for LISTEN
            self.ready[self.broker].wait(5)
        return waiter

    def unsubscribe(self, waiter: Waiter) -> None:
        with self.lock:
            self.waiters[waiter.topic].discard(waiter)
            if not self.waiters[waiter.topic]:
                del self.waiters[waiter.topic]

    def deliver(self, conversation_id: int) -> None:
        with self.lock:
            woken = [*self.waiters.get(conversation_id, ()), *self.waiters.get(ALL, ())]
        for waiter in woken:
            waiter.event.set()

    def _start_listener(self) -> None:
        broker = self.broker
        running = self.listeners.get(broker)
        if running is not None and running.is_alive():
            return
        target = {"redis": listen_redis, "postgres": listen_postgres}.get(broker)
        if target is None:
            return
        self.listeners[broker] = threading.Thread(
            target=target, args=(self,), name=f"chat-{broker}-listener", daemon=True
        )
        self.listeners[broker].start()


hub = Hub()


def broker_name() -> str:
    chosen = getattr(settings, "TICKETDESK_CHAT_BROKER", "")
    if chosen:
        return str(chosen)
    if redis_url():
        return "redis"
    if connections["default"].vendor == "postgresql":
        return "postgres"
    return "memory"


def redis_url() -> str:
    return str(os.environ.get("TICKETDESK_REDIS") or os.environ.get("REDIS_URL") or "")


def publish(conversation_id: int) -> None:
    """Say, from inside the writing transaction, that a conversation has a new event; the
    listeners hear it once the transaction commits."""
    broker = broker_name()
    if broker == "postgres":
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, str(conversation_id)])
        return
    if broker == "redis":
        transaction.on_commit(lambda: _redis_publish(conversation_id))
        return
    transaction.on_commit(lambda: hub.deliver(conversation_id))


_redis_client: Any = None


def _redis() -> Any:
    global _redis_client
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(redis_url(), socket_timeout=5)
    return _redis_client


def _redis_publish(conversation_id: int) -> None:
    try:
        _redis().publish(CHANNEL, str(conversation_id))
    except Exception:  # the event is stored: streams find it at their next look
        logger.exception("chat: could not publish to Redis")


def _deliver_payload(hub: Hub, payload: Any) -> None:
    try:
        hub.deliver(int(payload))
    except (TypeError, ValueError):
        logger.warning("chat: ignored signal %r", payload)


def listen_redis(hub: Hub) -> None:
    import redis

    while True:
        try:
            client = redis.Redis.from_url(redis_url())
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(CHANNEL)
            first = pubsub.get_message(timeout=2.0)  # the confirmation: now subscribed
            hub.ready["redis"].set()
            if first is not None:
                _deliver_payload(hub, first.get("data"))
            for item in pubsub.listen():
                _deliver_payload(hub, item.get("data"))
        except Exception:
            logger.exception("chat: Redis listener lost its connection; retrying")
            hub.deliver(ALL)  # streams look again: nothing is lost while reconnecting
            time.sleep(1)


def listen_postgres(hub: Hub) -> None:
    import psycopg

    while True:
        try:
            params = connections["default"].get_connection_params()
            for key in ("cursor_factory", "context", "prepare_threshold"):
                params.pop(key, None)
            with psycopg.connect(**params, autocommit=True) as connection:
                connection.execute(f"LISTEN {CHANNEL}")
                hub.ready["postgres"].set()
                for notice in connection.notifies():
                    _deliver_payload(hub, notice.payload)
        except Exception:
            logger.exception("chat: PostgreSQL listener lost its connection; retrying")
            hub.deliver(ALL)
            time.sleep(1)
