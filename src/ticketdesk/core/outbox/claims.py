"""Claiming work: each statement is its own short transaction.

A claim moves `available_at` of the oldest due rows forward by the lease and counts an
attempt, in one UPDATE … RETURNING. On PostgreSQL the inner SELECT takes `FOR UPDATE SKIP
LOCKED`, so workers claiming at the same moment take different rows; on SQLite writers are
serialised anyway. A worker that dies leaves its rows to come back when the lease ends.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest

from ticketdesk.core import clock
from ticketdesk.core.models import OutboxDelivery, OutgoingMail

DEFAULT_LEASE_SECONDS = 120


def lease() -> dt.timedelta:
    """How long a claim keeps rows from other workers (a worker that died gives them back
    when it ends): TICKETDESK["OUTBOX_LEASE_SECONDS"]."""
    return dt.timedelta(
        seconds=float(settings.TICKETDESK.get("OUTBOX_LEASE_SECONDS") or DEFAULT_LEASE_SECONDS)
    )


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    event_id: int
    attempts: int
    claim: str


def _skip_locked() -> str:
    return " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""


def claim_deliveries(consumer: str, limit: int) -> list[Claimed]:
    now = clock.now()
    token = uuid.uuid4().hex
    table = OutboxDelivery._meta.db_table
    sql = (
        f"UPDATE {table} SET available_at = %s, attempts = attempts + 1, claim = %s "  # noqa: S608
        f"WHERE id IN (SELECT id FROM {table} WHERE consumer = %s AND dead_at IS NULL "
        f"AND available_at <= %s ORDER BY id LIMIT %s{_skip_locked()}) "
        "RETURNING id, event_id, attempts"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [now + lease(), token, consumer, now, limit])
        rows = cursor.fetchall()
    claimed = [Claimed(int(r[0]), int(r[1]), int(r[2]), token) for r in rows]
    claimed.sort(key=lambda c: c.delivery_id)
    return claimed


def release_deliveries(items: list[Claimed]) -> None:
    """Give back claimed rows that were not handled (a worker stopping): due at once, and
    the claim does not count as an attempt."""
    if not items:
        return
    OutboxDelivery.objects.filter(
        pk__in=[i.delivery_id for i in items], claim=items[0].claim, dead_at__isnull=True
    ).update(available_at=clock.now(), attempts=Greatest(F("attempts") - 1, 0), claim="")


def finish(items: list[Claimed]) -> set[int]:
    """Delete the deliveries this claim still holds (inside the chunk's transaction); returns
    their ids. A row another worker took over after our lease ran out is not ours: the
    caller then rolls back and handles only what is."""
    if not items:
        return set()
    table = OutboxDelivery._meta.db_table
    ids = [i.delivery_id for i in items]
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE claim = %s AND id IN ({placeholders}) RETURNING id",  # noqa: S608
            [items[0].claim, *ids],
        )
        return {int(row[0]) for row in cursor.fetchall()}


def still_held(items: list[Claimed]) -> list[Claimed]:
    held = (
        set(
            OutboxDelivery.objects.filter(
                pk__in=[i.delivery_id for i in items], claim=items[0].claim
            ).values_list("pk", flat=True)
        )
        if items
        else set()
    )
    return [i for i in items if i.delivery_id in held]


def due_consumers() -> set[str]:
    """Names of consumers with due work (a read; cheap while they keep up, since handled
    deliveries are deleted)."""
    return set(
        OutboxDelivery.objects.filter(dead_at__isnull=True, available_at__lte=clock.now())
        .order_by()
        .values_list("consumer", flat=True)
        .distinct()
    )


def claim_mail(limit: int) -> list[int]:
    now = clock.now()
    table = OutgoingMail._meta.db_table
    sql = (
        f"UPDATE {table} SET available_at = %s, attempts = attempts + 1 "  # noqa: S608
        f"WHERE id IN (SELECT id FROM {table} WHERE status = 'pending' "
        f"AND available_at <= %s ORDER BY available_at, id LIMIT %s{_skip_locked()}) "
        "RETURNING id"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [now + lease(), now, limit])
        return sorted(int(r[0]) for r in cursor.fetchall())
