"""Changes to webhook and chat endpoints made in the workspace's Settings: asks the policy
(`manage_settings`), checks the topics, the format and the destination (the SSRF check
resolves the host: before the transaction), then writes in one transaction, so that the
configuration change log records it (the signing secret only by name, a chat webhook's URL
without its secret path)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ticketdesk.accounts import policy
from ticketdesk.core import clock, model_values

from .models import EndpointFormat, WebhookEndpoint
from .webhooks import check_endpoint

EDITABLE = ("name", "url", "format", "events", "team", "active", "allow_private")


def save_endpoint(
    *, actor: Any, values: Mapping[str, Any], endpoint: WebhookEndpoint | None = None
) -> tuple[WebhookEndpoint, str]:
    """Create or change an endpoint; returns it and, when a JSON endpoint has just been
    given its signing secret, that secret (to show once), else ""."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    endpoint = endpoint or WebhookEndpoint(created_at=clock.now(), created_by=actor)
    model_values.assign(endpoint, values, only=EDITABLE)
    check_endpoint(
        endpoint.events, endpoint.format, endpoint.url, allow_private=endpoint.allow_private
    )
    new_secret = ""
    if endpoint.format == EndpointFormat.JSON and not endpoint.secret:
        new_secret = endpoint.secret = secrets.token_hex(24)
    with transaction.atomic():
        model_values.save_valid(endpoint)
    return endpoint, new_secret
