"""Open chat streams and database connections: a stream gives its connection back while it
waits, so many open chats share a small pool (issue 14: 200 chats asked PostgreSQL for more
than its 100 connections); a request the pool cannot serve in time gets 503 + Retry-After;
prepared statements survive the pool."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests
from django.db import connection, connections
from django.urls import get_resolver

from ticketdesk.channels.chat import actions, feed, queries
from ticketdesk.channels.chat.realtime import Waiter, hub
from ticketdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def start(n: int) -> tuple[int, str]:
    chat, token = actions.start_chat(
        name=f"Visitor {n}",
        email=f"visitor{n}@example.net",
        topic="Pool",
        message=f"hello from {n}",
        page_url="",
        page_title="",
        origin="",
        language="en",
    )
    return chat.pk, token


class Stop(Exception):
    pass


def test_a_waiting_stream_holds_no_database_connection(monkeypatch):
    chat_id, _token = start(1)
    held: list[bool] = []

    def wait(self: Waiter, timeout: float) -> bool:
        held.append(connection.connection is not None)
        if len(held) == 1:  # a message arrives while the stream waits
            chat = queries.chat_for_token(chat_id, _token)
            assert chat is not None
            actions.visitor_says(chat, "while you waited")
            return True
        raise Stop

    monkeypatch.setattr(Waiter, "wait", wait)
    sent: list[str] = []
    with pytest.raises(Stop):
        for chunk in feed.stream(chat_id, 0, lambda last: queries.visitor_events(chat_id, last)):
            sent.append(chunk)
    assert held == [False, False]
    assert "while you waited" in sent[-1]  # the next look took a connection again


@pytest.fixture
def small_pool():
    """Django's pool (as the web processes use it) of `max_size` connections for this test:
    every thread's connection, the live server's included, comes from it."""
    options = connections.settings["default"]
    saved = dict(options), dict(options["OPTIONS"])
    connection.close()

    def use(max_size: int, timeout: float) -> None:
        options["OPTIONS"]["pool"] = {"min_size": 0, "max_size": max_size, "timeout": timeout}
        options["CONN_MAX_AGE"] = 0

    yield use
    connection.close()
    connection.close_pool()
    options.update(saved[0])
    options["OPTIONS"] = saved[1]


@postgres_only
def test_open_streams_do_not_exhaust_a_small_pool(small_pool, live_server, monkeypatch):
    get_resolver().resolve("/chat/w/config/")  # imported now, not by a server thread
    monkeypatch.setattr(feed, "STREAM_SECONDS", 6.0)  # the server's streams end with the test
    ends = time.monotonic() + 6.0
    small_pool(max_size=2, timeout=3)
    chats = [start(n) for n in range(6)]
    connection.close()
    received: dict[int, list[str]] = {chat_id: [] for chat_id, _ in chats}
    statuses: list[int] = []

    def listen(chat_id: int, token: str) -> None:
        with requests.get(
            f"{live_server.url}/chat/w/{chat_id}/events/",
            params={"token": token},
            headers={"Accept": "text/event-stream"},
            stream=True,
            timeout=15,
        ) as stream:
            statuses.append(stream.status_code)
            # chunk_size=1: the test server does not chunk, a bigger read would wait for more
            for line in stream.iter_lines(chunk_size=1, decode_unicode=True):
                if line.startswith("data: "):
                    received[chat_id].append(json.loads(line[6:]).get("text", ""))
                    if "answer" in received[chat_id][-1]:
                        return

    readers = [threading.Thread(target=listen, args=chat, daemon=True) for chat in chats]
    for reader in readers:
        reader.start()

    def greeted() -> bool:
        return all(f"hello from {n}" in received[chat_id] for n, (chat_id, _) in enumerate(chats))

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not greeted():
        time.sleep(0.05)
    assert statuses == [200] * 6 and greeted()
    # six streams wait on a pool of two: the posts still get connections
    for chat_id, token in chats:
        posted = requests.post(
            f"{live_server.url}/chat/w/{chat_id}/messages/",
            json={"text": f"answer {chat_id}"},
            headers={"X-Chat-Token": token},
            timeout=10,
        )
        assert posted.status_code == 201, posted.content
    for reader in readers:
        reader.join(10)
    assert all(texts[-1] == f"answer {chat_id}" for chat_id, texts in received.items())
    time.sleep(max(0.0, ends - time.monotonic()))
    for chat_id, _ in chats:  # the streams look again, find their time is up and end
        hub.deliver(chat_id)
    time.sleep(0.5)


@postgres_only
def test_an_exhausted_pool_answers_503_with_retry_after(small_pool, live_server):
    get_resolver().resolve("/chat/w/config/")  # imported now, not by a server thread
    small_pool(max_size=1, timeout=0.5)
    connection.ensure_connection()  # this thread holds the only connection
    busy = requests.get(f"{live_server.url}/chat/w/config/", timeout=10)
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "2" and busy.json()["code"] == "busy"
    connection.close()  # back to the pool
    assert requests.get(f"{live_server.url}/chat/w/config/", timeout=10).status_code == 200


@postgres_only
def test_prepared_statements_survive_the_pool(small_pool):
    small_pool(max_size=1, timeout=5)
    backends = set()
    for _ in range(6):  # past the prepare threshold, each time on a connection from the pool
        Ticket.objects.filter(pk=0).first()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backends.add(cursor.fetchone()[0])
        connection.close()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "tickets_ticket"%'],
        )
        prepared = cursor.fetchone()[0]
    assert len(backends) == 1 and prepared >= 1
