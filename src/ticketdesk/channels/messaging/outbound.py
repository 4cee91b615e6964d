"""Outbound: an agent's public reply on a ticket of a messaging channel goes to the
provider's API, the way customer mail and webhooks go out.

1. The outbox consumer `messaging` (on `message.created`) records an OutboundMessage in its
   transaction: the intent, one per reply (dedupe key), for the identity the ticket's
   conversation came from. No network I/O there.
2. The worker's sender `send_due` (outbox.register_sender) sends due rows after commit,
   retries with exponential backoff what failed for a passing reason, and dead-letters the
   rest (status failed) with an internal note on the ticket saying what was not delivered.

WhatsApp's 24-hour customer-service window: a reply written more than 24 hours after the
customer's last message cannot be sent as text. The account's template is sent instead (and
a note tells the agent their text was not delivered); without a template nothing is sent and
the note says so.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ticketdesk.core import clock, outbox
from ticketdesk.core.models import OutboxMessage
from ticketdesk.core.transactions import assert_no_transaction
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import MESSAGING_CHANNELS, Message, MessageKind, Ticket

from . import counters, provider_api
from .adapters import adapter_for
from .models import (
    ChannelAccount,
    Identity,
    InboundMessage,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
)

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
LEASE_SECONDS = 60
CLAIM_BATCH = 50


def backoff(attempt: int) -> dt.timedelta:
    return dt.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0), BACKOFF_MAX_SECONDS)
    )


def key(message_id: int) -> str:
    return f"reply:{message_id}"


def _agent_reply_ids(events: list[OutboxMessage]) -> list[int]:
    ids = []
    for event in events:
        payload = event.payload or {}
        if payload.get("kind") != MessageKind.PUBLIC or payload.get("from_customer", True):
            continue
        if isinstance(payload.get("message_id"), int):
            ids.append(payload["message_id"])
    return ids


@outbox.consumer("messaging", topics=("message.created",), live_only=True, chunk_size=100)
def queue_replies(events: list[OutboxMessage]) -> None:
    ids = _agent_reply_ids(events)
    if not ids:
        return
    messages = [
        m
        for m in Message.objects.select_related("ticket").in_bulk(ids).values()
        if m.ticket.channel in MESSAGING_CHANNELS
        and m.author_user_id is not None
        and m.kind == MessageKind.PUBLIC
    ]
    if not messages:
        return
    done = set(
        OutboundMessage.objects.filter(dedupe_key__in=[key(m.pk) for m in messages]).values_list(
            "dedupe_key", flat=True
        )
    )
    identities = conversation_identities([m.ticket for m in messages])
    rows = []
    for message in sorted(messages, key=lambda m: m.pk):
        if key(message.pk) in done:
            continue
        identity = identities.get(message.ticket_id)
        if identity is None:
            _note(message.ticket, _("This reply was not sent: no messaging conversation is known."))
            continue
        row = _intent(message, identity)
        if row is not None:
            rows.append(row)
    if rows:
        OutboundMessage.objects.bulk_create(rows, ignore_conflicts=True)
        outbox.wake_after_commit()


def conversation_identities(tickets: list[Ticket]) -> dict[int, Identity]:
    """Per ticket, the identity (and account) its latest incoming message came from; for a
    ticket opened by an agent, the requester's identity on an account of that channel."""
    latest = (
        InboundMessage.objects.filter(ticket_id__in=[t.pk for t in tickets])
        .values("ticket_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    found = {
        inbound.ticket_id: inbound.identity
        for inbound in InboundMessage.objects.filter(pk__in=list(latest)).select_related(
            "identity", "identity__account"
        )
    }
    for ticket in tickets:
        if ticket.pk not in found:
            identity = (
                Identity.objects.select_related("account")
                .filter(contact_id=ticket.requester_id, account__provider=ticket.channel)
                .order_by("-last_inbound_at", "-id")
                .first()
            )
            if identity is not None:
                found[ticket.pk] = identity
    return found  # type: ignore[return-value]


def outside_window(account: ChannelAccount, identity: Identity) -> bool:
    hours = adapter_for(account.provider).service_window_hours
    if hours is None:
        return False
    last = identity.last_inbound_at
    return last is None or clock.now() - last > dt.timedelta(hours=hours)


def _intent(message: Message, identity: Identity) -> OutboundMessage | None:
    account = identity.account
    kind = OutboundKind.TEXT
    if outside_window(account, identity):
        if not account.template_name:
            _note(
                message.ticket,
                _(
                    "This reply was NOT sent to WhatsApp: the customer last wrote more than 24 "
                    "hours ago, and outside that window WhatsApp only delivers approved "
                    "template messages. No template is configured for %(account)s; ask an "
                    "administrator to set one, or reach the customer another way."
                )
                % {"account": account.name},
            )
            return None
        kind = OutboundKind.TEMPLATE
        _note(
            message.ticket,
            _(
                "The customer last wrote more than 24 hours ago: WhatsApp does not deliver free "
                "text outside that window. Your reply was not delivered; the template "
                "“%(template)s” was sent instead, inviting the customer to write again. Send "
                "your reply once they answer."
            )
            % {"template": account.template_name},
        )
    return OutboundMessage(
        dedupe_key=key(message.pk),
        account=account,
        identity=identity,
        ticket=message.ticket,
        message=message,
        kind=kind,
        text=message.body_text,
        created_at=clock.now(),
        next_attempt_at=clock.now(),
    )


def _note(ticket: Ticket, text: str) -> None:
    actions.add_note(ticket, actor=None, body=text, markdown=False, channel=ticket.channel)


# --- sending, after commit -------------------------------------------------------------------


def _claim(limit: int) -> list[OutboundMessage]:
    now = clock.now()
    with transaction.atomic():
        rows = list(
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(status=OutboundStatus.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:limit]
        )
        if rows:
            OutboundMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
                next_attempt_at=now + dt.timedelta(seconds=LEASE_SECONDS)
            )
    ids = [r.pk for r in rows]
    return list(
        OutboundMessage.objects.filter(pk__in=ids)
        .select_related("account", "identity", "ticket")
        .order_by("id")
    )


def attempt(row: OutboundMessage) -> bool:
    """Send one row now (never inside a transaction); record the outcome."""
    assert_no_transaction("sending to a messaging provider")
    adapter = adapter_for(row.account.provider)
    row.attempts += 1
    error: provider_api.ApiError | None = None
    try:
        if row.kind == OutboundKind.TEMPLATE:
            provider_id = adapter.send_template(row.account, row.identity)
        else:
            provider_id = adapter.send_text(row.account, row.identity, row.text)
    except provider_api.ApiError as exc:
        error = exc
    now = clock.now()
    if error is None:
        row.status = OutboundStatus.SENT
        row.provider_message_id = provider_id[:200]
        row.sent_at = now
        row.last_error = ""
        row.next_attempt_at = None
        row.save()
        counters.SENT.labels(row.account.provider, "sent").inc()
        return True
    row.last_error = str(error)[:2000]
    if error.retry and row.attempts < MAX_ATTEMPTS:
        row.next_attempt_at = now + backoff(row.attempts)
        row.save()
        counters.SENT.labels(row.account.provider, "retry").inc()
        return False
    row.status = OutboundStatus.FAILED
    row.next_attempt_at = None
    with transaction.atomic():
        row.save()
        _note(
            row.ticket,
            _("This reply could not be delivered to %(provider)s after %(n)s attempts: %(error)s")
            % {
                "provider": row.account.get_provider_display(),
                "n": row.attempts,
                "error": row.last_error[:500],
            },
        )
    counters.SENT.labels(row.account.provider, "failed").inc()
    return False


def send_due(deadline: float | None = None, limit: int = 200) -> int:
    """The worker's sender: due rows within the round's time. Returns attempts made."""
    attempts = 0
    while attempts < limit and (deadline is None or time.monotonic() < deadline):
        rows = _claim(min(CLAIM_BATCH, limit - attempts))
        if not rows:
            break
        for row in rows:
            attempts += 1
            attempt(row)
    return attempts


def retry_now(row: OutboundMessage, *, actor: Any = None) -> OutboundMessage:
    """A dead letter sent again (admin action): pending, due now, attempts from zero."""
    OutboundMessage.objects.filter(pk=row.pk).update(
        status=OutboundStatus.PENDING, attempts=0, next_attempt_at=clock.now()
    )
    outbox.wake_after_commit()
    row.refresh_from_db()
    return row
