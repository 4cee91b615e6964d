"""Sending the trackers' API calls: intent rows (TrackerCall) recorded in the transaction
that decided them, sent by the worker after commit (never inside a transaction), retried
with exponential backoff, given up after MAX_ATTEMPTS (the ticket gets a note). Like the
webhook deliveries of notifications/webhooks.py."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

from django.db import transaction

from ticketdesk.core import clock
from ticketdesk.core.transactions import assert_no_transaction
from ticketdesk.notifications.outgoing import HttpResult, post

from . import actions, clients
from .models import CallAction, CallStatus, TrackerCall

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
LEASE_SECONDS = 60


def backoff(attempt: int) -> dt.timedelta:
    return dt.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0), BACKOFF_MAX_SECONDS)
    )


def _claim(limit: int) -> list[TrackerCall]:
    """Due calls, leased so that another worker skips them meanwhile."""
    now = clock.now()
    with transaction.atomic():
        rows = list(
            TrackerCall.objects.select_for_update(skip_locked=True)
            .filter(status=CallStatus.PENDING, next_retry_at__lte=now)
            .order_by("next_retry_at", "id")[:limit]
        )
        if rows:
            TrackerCall.objects.filter(pk__in=[r.pk for r in rows]).update(
                next_retry_at=now + dt.timedelta(seconds=LEASE_SECONDS)
            )
    return rows


def _request(call: TrackerCall) -> clients.ApiRequest:
    link = call.link
    if call.action == CallAction.CREATE:
        return clients.create_request(
            link.connection,
            str(call.payload.get("title") or link.title),
            str(call.payload.get("body") or ""),
        )
    return clients.fetch_request(link.connection, link.remote_id)


def _answer(result: HttpResult) -> dict[str, object]:
    data = json.loads(result.body_excerpt or "{}")
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data


def attempt(call: TrackerCall) -> bool:
    """Make one call now and record the outcome. True when it succeeded."""
    assert_no_transaction("calling a developer tracker")
    call = TrackerCall.objects.select_related("link__connection", "link__ticket").get(pk=call.pk)
    link, connection = call.link, call.link.connection
    request = _request(call)
    result = post(
        request.url,
        request.body,
        headers={**request.headers, "User-Agent": "Ticketdesk-Trackers/1"},
        allow_private=connection.allow_private,
        method=request.method,
    )
    issue = None
    error = result.error
    if result.ok:
        try:
            data = _answer(result)
            issue = (
                clients.parse_created(connection, data, link.title)
                if call.action == CallAction.CREATE
                else clients.parse_issue(connection, data)
            )
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            error = f"unexpected answer: {exc}"
    elif result.status_code:
        error = f"HTTP {result.status_code}: {result.body_excerpt[:200]}"
    now = clock.now()
    call.attempts += 1
    call.response_status = result.status_code
    call.error = error[:500]
    with transaction.atomic():
        if issue is not None:
            call.status, call.done_at, call.next_retry_at = CallStatus.SUCCEEDED, now, None
            if call.action == CallAction.CREATE:
                actions.record_created(link, issue)
            else:
                actions.apply_remote(connection, issue, announce=False)
        elif (
            result.refused
            or call.attempts >= MAX_ATTEMPTS
            or result.status_code in (401, 403, 404, 422)
        ):
            call.status, call.done_at, call.next_retry_at = CallStatus.FAILED, now, None
            logger.warning("tracker call %s failed: %s", call.pk, error)
            if call.action == CallAction.CREATE:
                actions.record_failed(link, error)
        else:
            call.next_retry_at = now + backoff(call.attempts)
        call.save()
    return issue is not None


def send_due(deadline: float | None = None, limit: int = 50) -> int:
    """The worker's sender: due calls within the round's time. Returns calls made."""
    made = 0
    for call in _claim(limit):
        if deadline is not None and time.monotonic() >= deadline:
            TrackerCall.objects.filter(pk=call.pk).update(next_retry_at=clock.now())
            continue
        attempt(call)
        made += 1
    return made
