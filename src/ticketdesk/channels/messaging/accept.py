"""Accepting a verified webhook delivery: store it, answer, and let the worker do the rest.

Meta and Telegram want a quick 2xx (Meta retries deliveries that are slow or fail), so the
endpoint does only this, in one short transaction: read the provider message ids out of the
delivery (the adapter's parse, cheap), insert one pending InboundMessage per message with the
delivery's raw body (the unique constraint on account + provider message id makes a
redelivery a no-op), and wake the outbox worker once after commit. The worker's sender
(`inbound_queue.process_due`) turns them into tickets.

A delivery that is signed but cannot be read (not JSON, the adapter cannot parse it, a
message without id or sender) is kept as one malformed row with the reason, for an admin to
look at (admin: incoming messages, status "Kept: not understood") — never dropped; the
provider gets its 200 so that it does not send it again and again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from ticketdesk.core import clock, outbox

from . import counters
from .adapters import adapter_for
from .models import ChannelAccount, InboundMessage, InboundStatus

logger = logging.getLogger(__name__)
MAX_ID_CHARS = 200
MAX_SENDER_CHARS = 100


@dataclass(frozen=True)
class Accepted:
    messages: int  # customer messages in the delivery
    new: int  # of them stored now (the others were stored before: redeliveries)
    malformed: bool = False


def accept(account: ChannelAccount, body: bytes) -> Accepted:
    """Store a verified delivery's messages as pending (or the delivery as malformed)."""
    adapter = adapter_for(account.provider)
    try:
        payload = json.loads(body)
    except ValueError:
        return _keep_malformed(account, body, _("The body is not JSON."))
    if not isinstance(payload, dict):
        return _keep_malformed(account, body, _("The body is not a JSON object."))
    try:
        messages = adapter.parse(account, payload)
    except Exception as exc:  # whatever the adapter trips over: kept for a person to see
        logger.warning("messaging delivery for %s could not be parsed: %r", account, exc)
        return _keep_malformed(
            account, body, _("The delivery could not be read: %(error)s") % {"error": exc}
        )
    wanted: dict[str, str] = {}  # provider message id -> sender
    for message in messages:
        if not message.provider_message_id or not message.sender_id:
            return _keep_malformed(account, body, _("A message has no id or no sender."))
        wanted.setdefault(message.provider_message_id[:MAX_ID_CHARS], message.sender_id)
    if not wanted:
        return Accepted(messages=0, new=0)  # receipts, echoes, edits: nothing to take in
    known = set(
        InboundMessage.objects.filter(
            account=account, provider_message_id__in=list(wanted)
        ).values_list("provider_message_id", flat=True)
    )
    fresh = [key for key in wanted if key not in known]
    if fresh:
        now = clock.now()
        text = body.decode("utf-8", errors="replace")
        sent = {m.provider_message_id[:MAX_ID_CHARS]: m.timestamp for m in messages}
        with transaction.atomic():
            InboundMessage.objects.bulk_create(
                [
                    InboundMessage(
                        account=account,
                        provider_message_id=key,
                        sender_id=wanted[key][:MAX_SENDER_CHARS],
                        sent_at=sent[key],
                        received_at=now,
                        status=InboundStatus.PENDING,
                        body=text,
                        available_at=now,
                    )
                    for key in fresh
                ],
                ignore_conflicts=True,  # the same delivery twice at once: one row
            )
            outbox.wake_after_commit()
    if fresh:
        counters.RECEIVED.labels(account.provider, "accepted").inc(len(fresh))
    if known:
        counters.RECEIVED.labels(account.provider, "duplicate").inc(len(known))
    return Accepted(messages=len(wanted), new=len(fresh))


def malformed_id(body: bytes) -> str:
    """A malformed delivery's row id: a digest of the body (the same body is kept once)."""
    return "malformed:" + hashlib.sha256(body).hexdigest()


def _keep_malformed(account: ChannelAccount, body: bytes, reason: str) -> Accepted:
    now = clock.now()
    InboundMessage.objects.bulk_create(
        [
            InboundMessage(
                account=account,
                provider_message_id=malformed_id(body),
                sent_at=now,
                received_at=now,
                status=InboundStatus.MALFORMED,
                body=body.decode("utf-8", errors="replace"),
                last_error=reason[:4000],
            )
        ],
        ignore_conflicts=True,
    )
    logger.warning("messaging delivery for %s kept as malformed: %s", account, reason)
    counters.RECEIVED.labels(account.provider, "malformed").inc()
    return Accepted(messages=0, new=0, malformed=True)
