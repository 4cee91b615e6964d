"""A test delivery an admin sends to a webhook endpoint from the Settings area: shaped,
signed and sent as every delivery is (webhooks.py), logged, never counted towards the
endpoint's health."""

from __future__ import annotations

import uuid
from typing import Any

from ticketdesk.accounts import policy
from ticketdesk.core import clock
from ticketdesk.core.transactions import assert_no_transaction

from .models import DeliveryStatus, EndpointFormat, WebhookDelivery, WebhookEndpoint
from .webhooks import body_for, deliver_url

TEST_TOPIC = "webhook.test"


def send_test(endpoint: WebhookEndpoint, *, actor: Any) -> WebhookDelivery:
    """Send one test event to the endpoint now, shaped, signed and sent as every delivery is
    (never inside a transaction), and log it with its outcome. It does not count towards
    the endpoint's health: a failed test never switches an endpoint off."""
    if actor is not None:
        policy.require(actor, policy.ADMINISTER)
    assert_no_transaction("sending a test webhook")
    now = clock.now()
    event_id = uuid.uuid4().hex
    delivery = WebhookDelivery(
        endpoint=endpoint,
        event_id=event_id,
        topic=TEST_TOPIC,
        payload={
            "id": f"test_{event_id}",
            "topic": TEST_TOPIC,
            "created_at": now.isoformat(),
            "data": {"ticket": None},
        },
        created_at=now,
    )
    result = deliver_url(
        endpoint.url,
        body_for(delivery),
        secret=endpoint.secret if endpoint.format == EndpointFormat.JSON else None,
        allow_private=endpoint.allow_private,
        topic=TEST_TOPIC,
        delivery_id=event_id,
    )
    delivery.attempt = 1
    delivery.response_status = result.status_code
    delivery.response_excerpt = result.body_excerpt
    delivery.duration_ms = result.duration_ms
    delivery.error = result.error[:500]
    delivery.status = DeliveryStatus.SUCCEEDED if result.ok else DeliveryStatus.FAILED
    delivery.delivered_at = clock.now() if result.ok else None
    delivery.save()
    return delivery
