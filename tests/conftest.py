"""Fixtures shared by the whole suite.

The suite runs on SQLite by default and on PostgreSQL when TICKETDESK_TEST_DATABASE_URL is
set (settings.py reads it). Browser tests use Debian's Chromium through Playwright.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests skipped")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TICKETDESK = {**settings.TICKETDESK, "RUN_OUTBOX_INLINE": False}


@pytest.fixture(autouse=True)
def _default_language_and_zone():
    """Requests by users with a language or time zone activate it for the thread; each test
    starts (and ends) in English and UTC so that no test depends on the one before."""
    from django.conf import settings
    from django.utils import timezone, translation

    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from ticketdesk.core import config_cache as config

    cache.clear()
    config.invalidate()  # rolled-back configuration rows send no signals
    yield
    cache.clear()
    config.invalidate()


@pytest.fixture
def team(db):
    from tests.factories import TeamFactory

    return TeamFactory(name="IT Support", slug="it-support")


@pytest.fixture
def agent(team):
    from tests.factories import make_agent

    return make_agent(team, username="ana", first_name="Ana", last_name="Souza")


@pytest.fixture
def admin_user(db):
    from tests.factories import make_agent

    return make_agent(None, role="admin", username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def customer(db):
    from tests.factories import make_customer

    return make_customer(username="maria", email="maria@example.org")


@pytest.fixture(autouse=True)
def _shipped_configuration(request):
    """Transactional tests flush the tables the data migration filled: put the shipped
    statuses, workflow, types and matrix back for every test that uses the database."""
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    )
    if not uses_db:
        return
    request.getfixturevalue("_django_db_helper")
    from ticketdesk.tickets.defaults import ensure_defaults

    ensure_defaults()
