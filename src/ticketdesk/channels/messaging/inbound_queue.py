"""The worker's side of inbound messaging: stored messages (see accept) become tickets.

`process_due` is a sender of the outbox worker (outbox.register_sender): it runs after each
round of consumers, outside any transaction (media is downloaded from the provider first),
and the webhook wakes the worker once per accepting transaction (NOTIFY on PostgreSQL).

- **Claims** are one UPDATE … RETURNING (FOR UPDATE SKIP LOCKED on PostgreSQL): due pending
  rows get a lease and a claim token, and count an attempt. A worker that dies leaves them
  to come back when the lease ends.
- **Order per conversation.** Only the oldest pending message of each conversation (account
  + sender) can be claimed: the next one waits until it is processed or has failed for good,
  so several workers never take one sender's messages out of order.
- **One message, one transaction**: the ticket work and the row marked processed commit
  together, and only while our claim holds the row (a worker whose lease ran out finds it
  taken over and rolls back): a message is taken in exactly once.
- **Failures** are isolated: the row is retried with backoff (5 s doubling) and after
  MAX_ATTEMPTS kept as failed with the reason (admin: incoming messages, status filter;
  "Process again" brings it back). Other conversations go on meanwhile.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest

from ticketdesk.core import clock, outbox
from ticketdesk.core.transactions import assert_no_transaction

from . import counters, ingest
from .adapters import adapter_for
from .models import ChannelAccount, InboundMessage, InboundStatus

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 3600
LEASE_SECONDS = 120
CLAIM_BATCH = 50


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    )


class _NotOurs(Exception):
    """Our lease ran out and another worker took the message over."""


def _table() -> str:
    return InboundMessage._meta.db_table


def has_due() -> bool:
    """A cheap read before claiming (the literal 'pending' lets SQLite use the partial index)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {_table()} WHERE status = 'pending' AND available_at <= %s LIMIT 1",  # noqa: S608
            [clock.now()],
        )
        return cursor.fetchone() is not None


def claim(limit: int) -> tuple[list[int], str]:
    """Up to `limit` due messages, each the oldest pending one of its conversation."""
    now = clock.now()
    token = uuid.uuid4().hex
    table = _table()
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    sql = (
        f"UPDATE {table} SET available_at = %s, attempts = attempts + 1, claim = %s "  # noqa: S608
        f"WHERE id IN (SELECT i.id FROM {table} i WHERE i.status = 'pending' "
        "AND i.available_at <= %s AND NOT EXISTS ("
        f"SELECT 1 FROM {table} e WHERE e.status = 'pending' AND e.account_id = i.account_id "
        "AND e.sender_id = i.sender_id AND e.id < i.id) "
        f"ORDER BY i.id LIMIT %s{skip_locked}) RETURNING id"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [now + dt.timedelta(seconds=LEASE_SECONDS), token, now, limit])
        ids = sorted(int(row[0]) for row in cursor.fetchall())
    return ids, token


def release(ids: list[int], token: str) -> None:
    """Give back claimed messages not started (the round's time is up): due at once, and
    the claim does not count as an attempt."""
    if ids:
        InboundMessage.objects.filter(pk__in=ids, claim=token).update(
            available_at=clock.now(), attempts=Greatest(F("attempts") - 1, 0), claim=""
        )


def process(inbound: InboundMessage, account: ChannelAccount) -> bool:
    """Take one claimed message in (never inside a transaction); record a failure."""
    assert_no_transaction("taking in a messaging delivery")
    try:
        incoming = ingest.message_of(account, inbound)
        adapter = adapter_for(account.provider)
        files, notes = ingest.download_media(account, adapter, incoming.media)
        with outbox.write_transaction():
            if not ingest.take_in(account, inbound, incoming, files, notes):
                raise _NotOurs
    except _NotOurs:
        return False
    except Exception as exc:  # one bad message never holds back the others
        _failed(inbound, account, exc)
        return False
    counters.RECEIVED.labels(account.provider, "processed").inc()
    return True


def _failed(inbound: InboundMessage, account: ChannelAccount, exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:4000]
    dead = inbound.attempts >= MAX_ATTEMPTS or isinstance(exc, ingest.Unreadable)
    now = clock.now()
    InboundMessage.objects.filter(pk=inbound.pk, claim=inbound.claim).update(
        status=InboundStatus.FAILED if dead else InboundStatus.PENDING,
        available_at=now + backoff(inbound.attempts),
        last_error=error,
        claim="",
    )
    if dead:
        counters.RECEIVED.labels(account.provider, "failed").inc()
        logger.error(
            "messaging message %s of %s failed for good after %s attempts: %s",
            inbound.provider_message_id,
            account,
            inbound.attempts,
            error,
        )
    else:
        counters.RECEIVED.labels(account.provider, "retry").inc()
        logger.warning(
            "messaging message %s of %s failed (attempt %s): %s",
            inbound.provider_message_id,
            account,
            inbound.attempts,
            error,
        )


def process_due(deadline: float | None = None, limit: int = 2000) -> int:
    """The worker's sender: claim and take in due messages until the round's time is up;
    returns how many were tried."""
    tried = 0
    accounts: dict[int, ChannelAccount] = {}
    while tried < limit and (deadline is None or time.monotonic() < deadline):
        if not has_due():
            break
        ids, token = claim(min(CLAIM_BATCH, limit - tried))
        if not ids:
            break
        rows = list(InboundMessage.objects.filter(pk__in=ids, claim=token).order_by("id"))
        missing = {r.account_id for r in rows} - accounts.keys()
        if missing:
            accounts.update(ChannelAccount.objects.in_bulk(list(missing)))
        for index, row in enumerate(rows):
            if deadline is not None and time.monotonic() > deadline:
                release([r.pk for r in rows[index:]], token)
                break
            process(row, accounts[row.account_id])
            tried += 1
    return tried


def process_again(inbound: InboundMessage) -> bool:
    """A failed message brought back (admin action): pending, due now, attempts from zero."""
    updated = InboundMessage.objects.filter(pk=inbound.pk, status=InboundStatus.FAILED).update(
        status=InboundStatus.PENDING, attempts=0, available_at=clock.now(), claim=""
    )
    if updated:
        outbox.wake_after_commit()
    return bool(updated)
