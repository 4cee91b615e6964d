"""The planner's statistics are kept up to date: on SQLite by us; on PostgreSQL by autovacuum,
and by us for tables it has not reached yet."""

from __future__ import annotations

import pytest
from django.db import connection

from ticketdesk.core import tasks

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_tables_without_statistics_or_grown_by_a_quarter_are_analyzed(monkeypatch):
    from tests.factories import ContactFactory

    monkeypatch.setattr(tasks, "MIN_ROWS", 5)
    for _ in range(6):
        ContactFactory()
    assert "accounts_contact" in tasks.refresh_statistics()
    assert "accounts_contact" not in tasks.refresh_statistics()  # fresh now
    for _ in range(6):
        ContactFactory()
    assert "accounts_contact" in tasks.refresh_statistics()  # doubled


def test_postgresql_analyzes_what_autovacuum_has_not_reached(monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip("PostgreSQL only")
    from tests.factories import ContactFactory

    monkeypatch.setattr(tasks, "MIN_ROWS", 0)
    for _ in range(3):
        ContactFactory()
    assert "accounts_contact" in tasks.refresh_statistics()
    # (that it is not analyzed again shows only after commit, when PostgreSQL records it)
