"""Chat events as the widget and the console read them (JSON), and the server-sent events
stream that carries them."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db import OperationalError

from ticketdesk.core.database_pool import release_connections

from .models import ChatEvent, ChatEventKind
from .realtime import HEARTBEAT_SECONDS, hub

logger = logging.getLogger(__name__)
RETRY_MILLISECONDS = 1000
STREAM_SECONDS = 300.0  # then the browser reconnects (EventSource, with Last-Event-ID)
ALIVE_SECONDS = 60.0  # an open stream says "still here" (`alive`) at most this often


def as_json(event: ChatEvent) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": event.pk,
        "chat": event.conversation_id,
        "kind": event.kind,
        "from_visitor": event.from_visitor,
        "at": event.created_at.isoformat(),
        **(event.data or {}),
    }
    message = event.message
    if event.kind == ChatEventKind.MESSAGE and message is not None:
        body["text"] = message.body_text
        body["message"] = message.pk
        body["files"] = [
            {"id": a.pk, "name": a.original_name, "size": a.size} for a in message.attachments.all()
        ]
        if message.author_user is not None:
            body["author"] = message.author_user.display_name
    return body


def sse(event: ChatEvent) -> str:
    data = json.dumps(as_json(event), separators=(",", ":"))
    return f"id: {event.pk}\nevent: chat\ndata: {data}\n\n"


def stream(
    topic: int,
    after: int,
    fetch: Callable[[int], list[ChatEvent]],
    *,
    seconds: float | None = None,
    alive: Callable[[], None] | None = None,
) -> Iterator[str]:
    """Send every event `fetch` finds after `after`, then wait for the hub's signal (or its
    wait_seconds) and look again, until `seconds` (STREAM_SECONDS) have passed. No database
    connection is held while it waits. `alive` is called when the
    stream opens and then at most every ALIVE_SECONDS while it stays open."""
    release_connections()  # the first stream of a process may wait for the broker
    waiter = hub.subscribe(topic)  # before the first read: no signal is missed in between
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n\n"
        deadline = time.monotonic() + (STREAM_SECONDS if seconds is None else seconds)
        sent_at = time.monotonic()
        alive_at = -ALIVE_SECONDS
        while True:
            if alive is not None and time.monotonic() - alive_at >= ALIVE_SECONDS:
                alive_at = time.monotonic()
                try:
                    alive()
                except OperationalError:  # a busy database: the next minute says it
                    logger.warning("chat stream: could not mark the visitor seen", exc_info=True)
            try:
                events = fetch(after)
            except OperationalError:  # a busy database: the events wait for the next look
                logger.warning("chat stream: could not read events", exc_info=True)
                events = []
            for event in events:
                after = event.pk
                yield sse(event)
            now = time.monotonic()
            if events:
                sent_at = now
                continue
            if now > deadline:
                return
            if now - sent_at > HEARTBEAT_SECONDS:  # a comment: finds a closed connection
                sent_at = now
                yield ": keep-alive\n\n"
            # no connection held while waiting: 200 open streams need not be 200 connections
            # (back to the pool, or closed; the next look takes one again)
            release_connections()
            waiter.wait(hub.wait_seconds)
    finally:
        hub.unsubscribe(waiter)  # (Django closes the connection when the response closes)
