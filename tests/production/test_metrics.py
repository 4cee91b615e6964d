"""/health, /ready and /metrics for load balancers and Prometheus."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from prometheus_client import REGISTRY

from ticketdesk.channels.email import ingest
from ticketdesk.core import views as core_views

pytestmark = pytest.mark.django_db


def test_health_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "alive"}


def test_ready_waits_for_the_migrations(client, monkeypatch):
    monkeypatch.setattr(core_views, "_migrated", False)
    assert client.get("/ready").json() == {"status": "ready", "database": "ok"}
    # as during an upgrade: the code is newer than the database
    recorder = MigrationRecorder(connection)
    app, name = max((a, n) for a, n in recorder.applied_migrations() if a == "core")
    recorder.record_unapplied(app, name)
    monkeypatch.setattr(core_views, "_migrated", False)
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["unapplied_migrations"] == 1


def test_metrics_report_requests_lag_and_mail(client, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.delenv("TICKETDESK_METRICS_TOKEN", raising=False)
    before = (
        REGISTRY.get_sample_value(
            "ticketdesk_http_requests_total", {"method": "GET", "view": "alive", "status": "200"}
        )
        or 0
    )
    client.get("/health")
    received = (
        REGISTRY.get_sample_value("ticketdesk_mail_received_total", {"state": "processed"}) or 0
    )
    ingest.ingest(
        b"From: Zoe <zoe@example.org>\r\nTo: support@example.com\r\nSubject: Hello\r\n"
        b"Message-ID: <m1@example.org>\r\n\r\nMy screen is blank.\r\n"
    )
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'ticketdesk_outbox_pending{consumer="search"}' in text
    assert 'ticketdesk_outbox_lag_seconds{consumer="sla"}' in text
    assert "ticketdesk_outbox_workers 0.0" in text
    assert (
        REGISTRY.get_sample_value(
            "ticketdesk_http_requests_total", {"method": "GET", "view": "alive", "status": "200"}
        )
        == before + 1
    )
    states = {
        s.labels["state"]: s.value
        for m in REGISTRY.collect()
        if m.name == "ticketdesk_mail_received"
        for s in m.samples
        if s.name.endswith("_total")
    }
    assert sum(states.values()) >= received + 1


def test_metrics_are_not_for_everyone(client, monkeypatch):
    monkeypatch.delenv("TICKETDESK_METRICS_TOKEN", raising=False)
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    # through nginx on the same machine: loopback, but relayed for someone outside
    relayed = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert relayed.status_code == 403
    monkeypatch.setenv("TICKETDESK_METRICS_TOKEN", "s3cret-token")
    assert client.get("/metrics").status_code == 403  # loopback needs the token too now
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token", REMOTE_ADDR="203.0.113.9")
    assert ok.status_code == 200


def test_metrics_add_up_the_processes_of_a_machine(client, monkeypatch, tmp_path):
    """Counts made in another process (a worker sending mail) are in any web process's
    answer when they share PROMETHEUS_MULTIPROC_DIR, as `ticketdesk run` sets it."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='ticketdesk.settings'; "
        "django.setup(); from ticketdesk.core import metrics; "
        "metrics.MAIL_SENT.labels('sent').inc(3)"
    )
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for _ in range(2):  # two worker processes
        subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    text = client.get("/metrics").content.decode()
    assert 'ticketdesk_mail_sent_total{outcome="sent"} 6.0' in text


def test_logs_can_be_json_lines(tmp_path):
    """TICKETDESK_LOG_FORMAT=json: every log line is one JSON object a collector can parse."""
    import json

    code = (
        "import django, logging, os; os.environ['DJANGO_SETTINGS_MODULE']='ticketdesk.settings'; "
        "django.setup(); logging.getLogger('ticketdesk.test').warning('mail %s held', 42)"
    )
    env = {
        "TICKETDESK_LOG_FORMAT": "json",
        "PATH": "/usr/bin:/bin",
        "TICKETDESK_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["level"] == "WARNING" and line["logger"] == "ticketdesk.test"
    assert line["message"] == "mail 42 held" and "time" in line


def test_the_processes_of_ticketdesk_run_share_one_rate_limit(tmp_path):
    """`ticketdesk run` starts several processes with TICKETDESK_CACHE=file: a limit counted
    in one web process holds in the others (in-memory caches counted each apart)."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='ticketdesk.settings'; "
        "django.setup(); from ticketdesk.accounts import ratelimit; "
        "print([ratelimit.hit('guest:1.2.3.4', limit=3, window_seconds=600) for _ in range(2)])"
    )
    env = {"TICKETDESK_CACHE": "file", "PATH": "/usr/bin:/bin", "TICKETDESK_VAR_DIR": str(tmp_path)}
    outputs = [
        subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    ]
    assert outputs == ["[True, True]", "[True, False]"]


def test_deploy_check_asks_for_a_shared_cache_and_storage_on_postgresql(settings):
    from ticketdesk.core import checks

    settings.DATABASES = {**settings.DATABASES}
    settings.DATABASES["default"] = {
        **settings.DATABASES["default"],
        "ENGINE": "django.db.backends.postgresql",
    }
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [w.id for w in checks.shared_cache()] == ["ticketdesk.W001"]
    assert [w.id for w in checks.shared_files()] == ["ticketdesk.W002"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    assert checks.shared_cache() == []
