"""Webhooks and chat channels: outbox events become deliveries, sent in order per endpoint,
signed, retried with exponential backoff, logged, and disabled after repeated failure.

    X-Ticketdesk-Signature: t=<unix ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<body>")>

`deliver_url(url, payload, secret=..., allow_private=...)` sends one signed JSON POST through
the SSRF-safe client, for callers with their own URL (automation rules).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.core import clock, outbox
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.core.models import OutboxMessage
from ticketdesk.core.transactions import assert_no_transaction
from ticketdesk.tickets.models import Ticket

from .chat import adapter_for
from .models import (
    DeliveryStatus,
    EndpointFormat,
    WebhookDelivery,
    WebhookEndpoint,
)
from .outgoing import HttpResult, post, resolve_destination

logger = logging.getLogger(__name__)

# Topics an endpoint with an empty filter receives; others must be named explicitly.
STANDARD_TOPICS = (
    "ticket.created",
    "ticket.updated",
    "ticket.merged",
    "message.created",
    "sla.warning",
    "sla.breached",
    "csat.received",
)
TOPICS = (*STANDARD_TOPICS, "automation.webhook")
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
DEFAULT_DISABLE_AFTER = 15  # consecutive failed attempts
SIGNATURE_HEADER = "X-Ticketdesk-Signature"


def disable_after() -> int:
    return int(settings.TICKETDESK.get("WEBHOOK_DISABLE_AFTER", DEFAULT_DISABLE_AFTER))


# --- signing and sending ---------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does: check the signature and that the timestamp is recent."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def encode(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()


def deliver_url(
    url: str,
    payload: Any,
    *,
    secret: str | None = None,
    allow_private: bool = False,
    topic: str = "",
    delivery_id: str = "",
    raise_on_error: bool = False,
) -> HttpResult:
    """POST `payload` as JSON to `url` (signed when `secret` is given). Refuses private and
    local destinations unless `allow_private`. Returns the outcome; with `raise_on_error` a
    failed delivery raises (so an outbox handler is retried)."""
    body = encode(payload)
    headers: dict[str, str] = {}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, int(time.time()), body)
    if topic:
        headers["X-Ticketdesk-Event"] = topic
    if delivery_id:
        headers["X-Ticketdesk-Delivery"] = delivery_id
    result = post(url, body, headers=headers, allow_private=allow_private)
    if raise_on_error and not result.ok:
        raise RuntimeError(f"webhook to {url} failed: {result.status_code} {result.error}")
    return result


# --- endpoints (admin) -----------------------------------------------------------------------


def check_endpoint(
    events: list[str] | None, endpoint_format: str, url: str, *, allow_private: bool
) -> None:
    """Known topics and format, and a destination that passes the SSRF check (resolving
    the host name: call it outside any transaction)."""
    unknown = sorted(set(events or []) - set(TOPICS))
    if unknown:
        raise ValidationFailed(
            _("Unknown events: %(e)s") % {"e": ", ".join(unknown)},
            fields={"events": [_("Unknown event.")]},
        )
    if endpoint_format not in EndpointFormat.values:
        raise ValidationFailed(_("Unknown format."), fields={"format": [_("Unknown format.")]})
    resolve_destination(url, allow_private=allow_private)


def create_endpoint(
    *,
    actor: Any,
    name: str,
    url: str,
    events: list[str] | None = None,
    endpoint_format: str = EndpointFormat.JSON,
    team: Any = None,
    allow_private: bool = False,
) -> WebhookEndpoint:
    if actor is not None:
        policy.require(actor, policy.ADMINISTER)
    check_endpoint(events, endpoint_format, url, allow_private=allow_private)
    return WebhookEndpoint.objects.create(
        name=name.strip()[:100] or url[:100],
        url=url.strip(),
        format=endpoint_format,
        secret=secrets.token_hex(24) if endpoint_format == EndpointFormat.JSON else "",
        events=list(events or []),
        team=team,
        allow_private=allow_private,
        created_at=clock.now(),
        created_by=actor,
    )


# --- from the outbox to deliveries -----------------------------------------------------------


def _ticket_summary(ticket_id: int | None) -> dict[str, Any] | None:
    if ticket_id is None:
        return None
    ticket = (
        Ticket.objects.select_related("status", "team", "assignee", "requester")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return None
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "display_number": ticket.display_number,
        "subject": ticket.subject,
        "status": ticket.status.key,
        "status_category": ticket.status_category,
        "priority": ticket.priority,
        "priority_name": str(ticket.get_priority_display()),
        "team_id": ticket.team_id,
        "team": ticket.team.name if ticket.team else None,
        "assignee_id": ticket.assignee_id,
        "assignee": ticket.assignee.display_name if ticket.assignee else None,
        "requester_email": ticket.requester.email,
        "sla_state": ticket.sla_state,
        "version": ticket.version,
        "url": f"{settings.SITE_URL}/t/{ticket.number}/",
    }


def build_payload(message: OutboxMessage, ticket: dict[str, Any] | None) -> dict[str, Any]:
    data = dict(message.payload or {})
    if message.topic == "automation.webhook":
        data = {k: v for k, v in data.items() if k != "url"}
    data["ticket"] = ticket
    return {
        "id": f"evt_{message.pk}",
        "topic": message.topic,
        "created_at": message.created_at.isoformat(),
        "data": data,
    }


def _endpoints_for(topic: str, endpoints: list[WebhookEndpoint]) -> list[WebhookEndpoint]:
    chosen = []
    for endpoint in endpoints:
        if endpoint.events:
            if topic in endpoint.events:
                chosen.append(endpoint)
        elif topic in STANDARD_TOPICS:
            chosen.append(endpoint)
    return chosen


def _automation_delivery(message: OutboxMessage) -> WebhookDelivery | None:
    """An automation rule's webhook: its own URL, no endpoint. Settings:
    TICKETDESK["AUTOMATION_WEBHOOK_SECRET"] signs the body;
    TICKETDESK["AUTOMATION_WEBHOOKS_ALLOW_PRIVATE"] allows private addresses."""
    payload = message.payload or {}
    url = str(payload.get("url") or "")
    if not url:
        return None
    return WebhookDelivery(
        endpoint=None,
        url=url[:1000],
        event_id=f"automation-{message.pk}",
        topic=message.topic,
        payload=payload.get("payload") or {},
        outbox_message_id=message.pk,
        created_at=clock.now(),
        next_retry_at=clock.now(),
    )


@outbox.consumer("webhooks", topics=TOPICS, live_only=True, chunk_size=100)
def queue_deliveries(events: list[OutboxMessage]) -> None:
    """One delivery row per interested endpoint and event (an automation rule's webhook: one
    for its URL); the sender posts them after commit. Idempotent per event."""
    active = list(WebhookEndpoint.objects.filter(active=True))
    already = set(
        WebhookDelivery.objects.filter(outbox_message_id__in=[e.pk for e in events]).values_list(
            "endpoint_id", "outbox_message_id"
        )
    )
    rows: list[WebhookDelivery] = []
    summaries: dict[int | None, dict[str, Any] | None] = {}
    for message in events:
        if message.topic == "automation.webhook" and (None, message.pk) not in already:
            delivery = _automation_delivery(message)
            if delivery is not None:
                rows.append(delivery)
        endpoints = _endpoints_for(message.topic, active)
        if not endpoints:
            continue
        ticket_id = message.ticket_id or (message.payload or {}).get("ticket_id")
        if ticket_id not in summaries:
            summaries[ticket_id] = _ticket_summary(ticket_id)
        ticket = summaries[ticket_id]
        team_id = ticket["team_id"] if ticket else None
        payload = build_payload(message, ticket)
        for endpoint in endpoints:
            if endpoint.team_id is not None and endpoint.team_id != team_id:
                continue
            if (endpoint.pk, message.pk) in already:
                continue
            rows.append(
                WebhookDelivery(
                    endpoint=endpoint,
                    event_id=uuid.uuid4().hex,
                    topic=message.topic,
                    payload=payload,
                    outbox_message_id=message.pk,
                    created_at=clock.now(),
                    next_retry_at=clock.now(),
                )
            )
    if rows:
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        outbox.wake_after_commit()


# --- sending deliveries ----------------------------------------------------------------------


def backoff(attempt: int) -> dt.timedelta:
    return dt.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0), BACKOFF_MAX_SECONDS)
    )


def _claim(endpoint_id: int) -> WebhookDelivery | None:
    """Take the endpoint's oldest pending delivery if it is due, leasing it so that another
    worker skips this endpoint meanwhile (keeps per-endpoint order)."""
    now = clock.now()
    with transaction.atomic():
        head = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(endpoint_id=endpoint_id, status=DeliveryStatus.PENDING)
            .order_by("id")
            .first()
        )
        if head is None or head.endpoint is None or not head.endpoint.active:
            return None
        if head.next_retry_at is not None and head.next_retry_at > now:
            return None
        head.next_retry_at = now + dt.timedelta(seconds=60)  # the lease
        head.save(update_fields=["next_retry_at"])
    return head


def _claim_url_deliveries(limit: int) -> list[WebhookDelivery]:
    """Due deliveries of automation rules (no endpoint, no ordering between them), leased."""
    now = clock.now()
    with transaction.atomic():
        rows = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, endpoint__isnull=True, next_retry_at__lte=now)
            .order_by("next_retry_at", "id")[:limit]
        )
        if rows:
            WebhookDelivery.objects.filter(pk__in=[r.pk for r in rows]).update(
                next_retry_at=now + dt.timedelta(seconds=60)
            )
    return rows


def body_for(delivery: WebhookDelivery) -> Any:
    if delivery.endpoint is None:
        return delivery.payload
    adapter = adapter_for(delivery.endpoint.format)
    return adapter.render(delivery.payload) if adapter else delivery.payload


def attempt(delivery: WebhookDelivery) -> HttpResult:
    """Send one delivery now (never inside a transaction) and record the outcome (and the
    endpoint's health)."""
    assert_no_transaction("posting a webhook")
    endpoint = delivery.endpoint
    options = settings.TICKETDESK
    if endpoint is None:
        url = delivery.url
        secret = options.get("AUTOMATION_WEBHOOK_SECRET") or None
        allow_private = bool(options.get("AUTOMATION_WEBHOOKS_ALLOW_PRIVATE", False))
    else:
        url = endpoint.url
        secret = endpoint.secret if endpoint.format == EndpointFormat.JSON else None
        allow_private = endpoint.allow_private
    result = deliver_url(
        url,
        body_for(delivery),
        secret=secret,
        allow_private=allow_private,
        topic=delivery.topic,
        delivery_id=delivery.event_id,
    )
    if result.refused:
        logger.warning("webhook to %s refused: %s", url, result.error)
    now = clock.now()
    delivery.attempt += 1
    delivery.response_status = result.status_code
    delivery.response_excerpt = result.body_excerpt
    delivery.duration_ms = result.duration_ms
    delivery.error = result.error[:500]
    if result.ok:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_retry_at = None
    elif result.refused or delivery.attempt >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_retry_at = None
    else:
        delivery.next_retry_at = now + backoff(delivery.attempt)
    with transaction.atomic():
        delivery.save()
        if endpoint is not None:
            _record_health(endpoint, result.ok)
    return result


def _record_health(endpoint: WebhookEndpoint, ok: bool) -> None:
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if ok:
        if locked.failure_count:
            locked.failure_count = 0
            locked.save(update_fields=["failure_count"])
        return
    locked.failure_count += 1
    fields = ["failure_count"]
    if locked.failure_count >= disable_after() and locked.active:
        locked.active = False
        locked.disabled_reason = (
            _("Disabled after %(n)s failed deliveries in a row.") % {"n": locked.failure_count}
        )[:200]
        fields += ["active", "disabled_reason"]
        logger.warning("webhook endpoint %s disabled after repeated failures", endpoint.pk)
    locked.save(update_fields=fields)
    endpoint.failure_count, endpoint.active = locked.failure_count, locked.active


def deliver_pending(limit: int = 200, deadline: float | None = None) -> int:
    """Send due deliveries, oldest first per endpoint; a failing head waits for its retry
    and holds back the endpoint's later events; then the automation rules' own URLs.
    Returns the number of attempts made."""
    endpoint_ids = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, endpoint__active=True)
        .values_list("endpoint_id", flat=True)
        .distinct()
        .order_by("endpoint_id")[:500]
    )
    attempts = 0
    for endpoint_id in endpoint_ids:
        while attempts < limit and (deadline is None or time.monotonic() < deadline):
            delivery = _claim(endpoint_id)
            if delivery is None:
                break
            attempts += 1
            result = attempt(delivery)
            if not result.ok and delivery.status == DeliveryStatus.PENDING:
                break  # keep the order: later events wait for this one's retry
    if attempts < limit:
        for delivery in _claim_url_deliveries(limit - attempts):
            attempts += 1
            attempt(delivery)
    return attempts


def send_due(deadline: float | None) -> int:
    """The worker's sender: due deliveries within the round's time."""
    return deliver_pending(deadline=deadline)


def redeliver(delivery: WebhookDelivery, *, actor: Any) -> WebhookDelivery:
    """Queue the same event again for its endpoint (a new log row, the same event id)."""
    if actor is not None:
        policy.require(actor, policy.ADMINISTER)
    copy = WebhookDelivery.objects.create(
        endpoint=delivery.endpoint,
        url=delivery.url,
        event_id=uuid.uuid4().hex,
        topic=delivery.topic,
        payload=delivery.payload,
        created_at=clock.now(),
        next_retry_at=clock.now(),
    )
    outbox.wake_after_commit()
    return copy


def reactivate(endpoint: WebhookEndpoint, *, actor: Any) -> WebhookEndpoint:
    if actor is not None:
        policy.require(actor, policy.ADMINISTER)
    endpoint.active = True
    endpoint.failure_count = 0
    endpoint.disabled_reason = ""
    endpoint.save(update_fields=["active", "failure_count", "disabled_reason"])
    return endpoint


def set_active(endpoint: WebhookEndpoint, active: bool, *, actor: Any) -> WebhookEndpoint:
    """Switch an endpoint on (its failure count starts again) or off."""
    if active:
        return reactivate(endpoint, actor=actor)
    if actor is not None:
        policy.require(actor, policy.ADMINISTER)
    endpoint.active = False
    endpoint.save(update_fields=["active"])
    return endpoint
