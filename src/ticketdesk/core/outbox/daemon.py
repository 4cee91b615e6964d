"""The long-running worker (`ticketdesk outbox work`): rounds of consumers and senders while
there is work, then a wait — woken by PostgreSQL's NOTIFY, or a short poll on SQLite.

Rounds are time-boxed; SIGTERM/SIGINT stop the worker after the chunk in hand (claimed rows
it did not start are given back at once). Every few seconds the worker records a heartbeat
that /healthz reports.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections, connection

from ticketdesk.core import clock
from ticketdesk.core.models import WorkerHeartbeat

from .publishing import CHANNEL
from .worker import run_round

logger = logging.getLogger(__name__)

ROUND_SECONDS = 2.0  # a round stops claiming new batches after this long
HEARTBEAT_SECONDS = 5.0
IDLE_POLL_SQLITE = 0.3
IDLE_POLL_POSTGRESQL = 5.0  # NOTIFY wakes us sooner; the poll catches retries coming due


def use_deferred_transactions() -> None:
    """On SQLite the worker's transactions start as readers (BEGIN DEFERRED) and take the
    database's one write lock only at their first write, until commit: the reads and the
    computing of a chunk no longer hold up the agents' writes (which keep BEGIN IMMEDIATE).
    If an agent commits in between, SQLite refuses the upgrade at once and the worker tries
    the chunk again (worker.py); the agent never waits for that."""
    if connection.vendor != "sqlite":
        return
    options = connection.settings_dict.setdefault("OPTIONS", {})
    if options.get("transaction_mode") != "DEFERRED":
        connection.close()
        options["transaction_mode"] = "DEFERRED"


class _Listener:
    """A separate autocommit connection LISTENing on PostgreSQL (none on SQLite)."""

    def __init__(self) -> None:
        self.conn: Any = None
        if connection.vendor != "postgresql":
            return
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        try:
            self.conn = psycopg.connect(**params, autocommit=True)
            self.conn.execute(f"LISTEN {CHANNEL}")
        except Exception:
            logger.exception("could not LISTEN; polling instead")
            self.conn = None

    def wait(self, timeout: float, should_stop: Callable[[], bool]) -> None:
        if self.conn is None:
            end = time.monotonic() + timeout
            while time.monotonic() < end and not should_stop():
                time.sleep(min(0.1, timeout))
            return
        try:
            for _notify in self.conn.notifies(timeout=min(timeout, 1.0), stop_after=1):
                break
        except Exception:
            logger.exception("LISTEN connection lost; polling instead")
            self.close()
        # drain what else arrived, so one burst of commits wakes us once
        if self.conn is not None:
            try:
                for _notify in self.conn.notifies(timeout=0.0):
                    pass
            except Exception:
                self.close()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None


class Worker:
    def __init__(self, *, only: set[str] | None = None, run_senders: bool = True) -> None:
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.only = only
        self.run_senders = run_senders
        self.stopping = False
        self.handled = 0
        self._last_beat = 0.0

    def stop(self, *_args: Any) -> None:
        self.stopping = True

    def should_stop(self) -> bool:
        return self.stopping

    def heartbeat(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_beat < HEARTBEAT_SECONDS:
            return
        self._last_beat = now
        moment = clock.now()
        updated = WorkerHeartbeat.objects.filter(name=self.name).update(
            seen_at=moment, handled=self.handled
        )
        if not updated:
            WorkerHeartbeat.objects.create(
                name=self.name, started_at=moment, seen_at=moment, handled=self.handled
            )

    def run(self, *, once: bool = False, max_seconds: float | None = None) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        use_deferred_transactions()
        listener = _Listener()
        poll = IDLE_POLL_POSTGRESQL if listener.conn is not None else IDLE_POLL_SQLITE
        started = time.monotonic()
        try:
            while not self.stopping:
                close_old_connections()
                self.heartbeat()
                result = run_round(
                    deadline=time.monotonic() + ROUND_SECONDS,
                    should_stop=self.should_stop,
                    only=self.only,
                    run_senders=self.run_senders,
                )
                self.handled += result.events
                if once and not result.busy:
                    break
                if max_seconds is not None and time.monotonic() - started > max_seconds:
                    break
                if not result.busy:
                    listener.wait(poll, self.should_stop)
        finally:
            listener.close()
            try:
                WorkerHeartbeat.objects.filter(name=self.name).delete()
            except Exception:  # the database may be gone already; the row just ages out
                logger.warning("could not remove the heartbeat of %s", self.name)
        return self.handled
