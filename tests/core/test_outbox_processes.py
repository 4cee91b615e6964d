"""Outbox workers as real processes on a scratch database of the suite's kind (SQLite file or
PostgreSQL): a worker killed with SIGKILL in the middle of a batch loses and duplicates
nothing; two workers on PostgreSQL share the work and never handle the same event twice.

The probe consumer (tests/outbox_probe.py) records every event it handles in the same
transaction as its delivery and queues one mail per event, sent to a real SMTP server here.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xdist_group("outbox-processes")


def _vendor() -> str:
    return "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"


def _run(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


class _Collect(MessageHandler):
    def __init__(self) -> None:
        super().__init__()
        self.message_ids: list[str] = []

    def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
        self.message_ids.append(str(message["Message-ID"]))


@pytest.fixture
def smtp_sink():
    handler = _Collect()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=5)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def _template_database(tmp_path_factory):
    """A migrated database to copy from (migrating once per session)."""
    env = {**os.environ, "TICKETDESK_OUTBOX_LEASE_SECONDS": "2"}
    if _vendor() == "postgresql":
        import psycopg

        name = f"td_outbox_template_{os.getpid()}"
        base = settings.DATABASES["default"]
        admin = psycopg.connect(
            host=base["HOST"],
            port=base["PORT"] or 5432,
            user=base["USER"],
            dbname="postgres",
            autocommit=True,
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        url = f"postgres://{base['USER']}@{base['HOST']}:{base['PORT'] or 5432}/{name}"
        _run({**env, "TICKETDESK_TEST_DATABASE_URL": url}, "-m", "ticketdesk.cli", "migrate", "-v0")
        yield ("postgresql", name, admin, base)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()
    else:
        folder = tmp_path_factory.mktemp("outbox-template")
        path = folder / "template.sqlite3"
        _run(
            {**env, "TICKETDESK_TEST_DATABASE_URL": f"sqlite:///{path}"},
            "-m",
            "ticketdesk.cli",
            "migrate",
            "-v0",
        )
        yield ("sqlite", path, None, None)


@pytest.fixture
def scratch(_template_database, tmp_path, smtp_sink):
    """Environment for probe processes on a fresh copy of the template database."""
    vendor, template, admin, base = _template_database
    _handler, smtp_port = smtp_sink
    env = {
        **os.environ,
        "TICKETDESK_OUTBOX_LEASE_SECONDS": "2",
        "TICKETDESK_VAR_DIR": str(tmp_path / "var"),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }
    if vendor == "postgresql":
        name = f"td_outbox_{uuid.uuid4().hex[:10]}"
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        env["TICKETDESK_TEST_DATABASE_URL"] = (
            f"postgres://{base['USER']}@{base['HOST']}:{base['PORT'] or 5432}/{name}"
        )
        try:
            _probe(env, "setup")
            yield env
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "scratch.sqlite3"
        shutil.copy(template, path)
        env["TICKETDESK_TEST_DATABASE_URL"] = f"sqlite:///{path}"
        _probe(env, "setup")
        yield env


def _probe(env: dict[str, str], *args: str) -> str:
    return _run(env, "-m", "tests.outbox_probe", *args)


def _report(env: dict[str, str]) -> dict:
    """What the probe saw and what is left, read straight from the scratch database."""
    url = env["TICKETDESK_TEST_DATABASE_URL"]
    queries = {
        "seen": "SELECT event_id, worker FROM probe_seen",
        "left": "SELECT count(*) FROM core_outbox_delivery WHERE consumer = 'probe'",
        "mail_pending": "SELECT count(*) FROM core_outgoing_mail WHERE status = 'pending'",
    }
    if url.startswith("sqlite:///"):
        import sqlite3

        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
    else:
        import psycopg

        connection = psycopg.connect(url.replace("postgres://", "postgresql://"))
    try:
        results = {}
        for key, sql in queries.items():
            cursor = connection.cursor()
            cursor.execute(sql)
            results[key] = cursor.fetchall()
    finally:
        connection.close()
    return {
        "seen": [row[0] for row in results["seen"]],
        "workers": sorted({row[1] for row in results["seen"]}),
        "left": results["left"][0][0],
        "mail_pending": results["mail_pending"][0][0],
    }


def _worker(env: dict[str, str], sleep: float, seconds: float = 120) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.outbox_probe", "work", str(seconds)],
        cwd=ROOT,
        env={**env, "PROBE_SLEEP": str(sleep)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for(env: dict[str, str], done, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    report = _report(env)
    while not done(report):
        assert time.monotonic() < deadline, (
            f"gave up waiting: {report | {'seen': len(report['seen'])}}"
        )
        time.sleep(0.5)
        report = _report(env)
    return report


def test_sigkill_mid_batch_loses_and_duplicates_nothing(scratch, smtp_sink):
    handler, _port = smtp_sink
    total = 300
    _probe(scratch, "publish", str(total))
    first = _worker(scratch, sleep=0.01)
    _wait_for(scratch, lambda r: len(r["seen"]) >= 60)
    first.send_signal(signal.SIGKILL)  # no chance to give anything back
    first.wait(timeout=10)
    killed_at = len(_report(scratch)["seen"])
    assert 60 <= killed_at < total  # it died in the middle
    second = _worker(scratch, sleep=0.0)
    try:
        report = _wait_for(
            scratch, lambda r: len(r["seen"]) >= total and r["mail_pending"] == 0, timeout=120
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    seen = Counter(report["seen"])
    assert len(seen) == total, "an event was lost"
    assert max(seen.values()) == 1, "an event was handled twice"
    assert report["left"] == 0
    # every mail reached the SMTP server; a copy is only possible for a mail the killed worker
    # had handed over but not yet marked sent, and it carries the same Message-ID
    copies = Counter(handler.message_ids)
    assert len(copies) == total
    assert sum(copies.values()) - total <= 1


@pytest.mark.skipif(_vendor() != "postgresql", reason="several workers share work on PostgreSQL")
def test_two_workers_on_postgresql_share_the_work_and_never_the_same_event(scratch, smtp_sink):
    total = 1000
    _probe(scratch, "publish", str(total))
    workers = [_worker(scratch, sleep=0.002) for _ in range(2)]
    try:
        report = _wait_for(scratch, lambda r: len(r["seen"]) >= total, timeout=180)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
    seen = Counter(report["seen"])
    assert len(seen) == total and max(seen.values()) == 1
    assert len(report["workers"]) == 2  # both took part


def test_sigterm_stops_a_worker_within_seconds(scratch):
    _probe(scratch, "publish", "2000")
    worker = _worker(scratch, sleep=0.01)
    _wait_for(scratch, lambda r: len(r["seen"]) >= 20)
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=30)
    assert time.monotonic() - started < 3
    assert worker.returncode == 0
    report = _report(scratch)
    assert len(report["seen"]) < 2000
    assert report["left"] == 2000 - len(report["seen"])  # what it had claimed is given back


def test_ticketdesk_run_keeps_every_process_up_and_stops_on_ctrl_c(scratch):
    """`make run` ends in `ticketdesk run`: web, task worker, outbox worker and scheduler
    start, stay up, report a living outbox worker on /healthz, and stop together."""
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ticketdesk.cli",
            "run",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=scratch,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        body: dict = {}
        while time.monotonic() < deadline:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    import json

                    body = json.loads(r.read())
                if body.get("workers"):
                    break
            except OSError:
                pass
            time.sleep(1)
        assert body.get("workers") == 1, body  # the outbox worker is alive and says so
        time.sleep(3)
        assert server.poll() is None  # nothing exited meanwhile
    finally:
        os.killpg(server.pid, signal.SIGINT)
        output = server.communicate(timeout=60)[0]
    assert "exited with" not in output, output[-2000:]
    assert "Stopped." in output
