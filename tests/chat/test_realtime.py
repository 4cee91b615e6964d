"""The wake-up signal between web processes: a committed chat event wakes the streams that
follow its conversation (and the consoles), through memory, PostgreSQL LISTEN/NOTIFY or Redis
pub/sub. Nothing is signalled before the writing transaction commits."""

from __future__ import annotations

import socket
import time

import pytest
from django.db import connection, transaction

from ticketdesk.channels.chat import realtime
from ticketdesk.channels.chat.realtime import ALL, hub

pytestmark = pytest.mark.django_db(transaction=True)


def redis_running() -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", 6379)) == 0


def signalled(broker: str, settings) -> tuple[float, bool]:
    settings.TICKETDESK_CHAT_BROKER = broker
    mine, console, other = hub.subscribe(41), hub.subscribe(ALL), hub.subscribe(42)
    try:
        with transaction.atomic():
            realtime.publish(41)
            early = mine.event.wait(0.3)  # not before the commit
        started = time.monotonic()
        assert mine.wait(3) and console.wait(3)
        elapsed = time.monotonic() - started
        assert not other.wait(0.2)
        return elapsed, early
    finally:
        for waiter in (mine, console, other):
            hub.unsubscribe(waiter)


def test_memory_broker(settings):
    elapsed, early = signalled("memory", settings)
    assert not early and elapsed < 0.1
    assert hub.wait_seconds == settings.TICKETDESK_CHAT_POLL_SECONDS


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgres_listen_notify(settings):
    elapsed, early = signalled("postgres", settings)
    assert not early and elapsed < 0.5


@pytest.mark.skipif(not redis_running(), reason="no Redis on 127.0.0.1:6379")
def test_redis_pubsub(settings, monkeypatch):
    monkeypatch.setenv("TICKETDESK_REDIS", "redis://127.0.0.1:6379/15")
    elapsed, early = signalled("redis", settings)
    assert not early and elapsed < 0.5


def test_broker_choice(settings, monkeypatch):
    settings.TICKETDESK_CHAT_BROKER = ""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("TICKETDESK_REDIS", raising=False)
    expected = "postgres" if connection.vendor == "postgresql" else "memory"
    assert realtime.broker_name() == expected
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert realtime.broker_name() == "redis"
