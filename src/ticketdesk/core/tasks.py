"""Housekeeping tasks of the core app."""

from __future__ import annotations

import datetime as dt

from django.db import DatabaseError, connection
from django_tasks import task

from . import clock

GROWTH = 1.25  # analyze again once a table has grown by a quarter
MIN_ROWS = 1000


def _stale_tables() -> list[str]:
    """SQLite tables with no statistics yet, or grown past GROWTH × what was analyzed
    (max(rowid) stands in for the row count: cheap, and close for tables we append to)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%' AND sql NOT LIKE '%WITHOUT ROWID%'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%'")
        virtual = [row[0] for row in cursor.fetchall()]  # full-text indexes and their shadows
        tables = [t for t in tables if not any(t.startswith(f"{v}_") for v in virtual)]
        analyzed: dict[str, int] = {}
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute("SELECT tbl, stat FROM sqlite_stat1")
            for table, stat in cursor.fetchall():
                rows = int(str(stat).split(" ", 1)[0] or 0)
                analyzed[table] = max(analyzed.get(table, 0), rows)
        stale = []
        for table in tables:
            try:  # an FTS5 shadow table, say, may have no rowid: left alone
                cursor.execute(f"SELECT max(rowid) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            except DatabaseError:
                continue
            size = int(cursor.fetchone()[0] or 0)
            before = analyzed.get(table)
            if size >= MIN_ROWS and (before is None or size > before * GROWTH):
                stale.append(table)
    return stale


def _never_analyzed() -> list[str]:
    """PostgreSQL tables of some size that neither ANALYZE nor autovacuum has looked at yet
    (a bulk load with COPY, say, until autovacuum comes round)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
            "AND last_analyze IS NULL AND last_autoanalyze IS NULL AND n_live_tup >= %s",
            [MIN_ROWS],
        )
        return [row[0] for row in cursor.fetchall()]


def refresh_statistics() -> list[str]:
    """Keep the query planner's statistics current; returns the tables analyzed.

    SQLite never gathers statistics by itself (without them its planner chose the index on
    `merged_into IS NULL` and read every ticket), so each table that has none or has grown
    by a quarter is analyzed, one statement at a time (each is short; WAL readers are never
    blocked). PostgreSQL's autovacuum keeps them current, but only once it has come round:
    tables it has never analyzed are analyzed here (after a bulk load the planner walked
    the whole event feed for a customer's 40 tickets)."""
    if connection.vendor == "postgresql":
        stale = _never_analyzed()
    elif connection.vendor == "sqlite":
        stale = _stale_tables()
    else:
        return []
    with connection.cursor() as cursor:
        for table in stale:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return stale


@task(queue_name="default")
def optimize_database() -> int:
    return len(refresh_statistics())


@task(queue_name="default")
def purge_outbox() -> int:
    """Delete handled events and sent mail older than a week, and old task results."""
    from django_tasks_db.models import DBTaskResult

    from .outbox.health import KEEP_EVENTS_DAYS, purge

    deleted = purge()
    cutoff = clock.now() - dt.timedelta(days=KEEP_EVENTS_DAYS)
    finished = DBTaskResult.objects.filter(finished_at__lt=cutoff).values_list("id", flat=True)
    DBTaskResult.objects.filter(pk__in=list(finished[:10000])).delete()
    return deleted
