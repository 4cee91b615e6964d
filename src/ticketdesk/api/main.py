"""The NinjaAPI instance: /api/v1/, token or session auth, one error shape."""

from __future__ import annotations

from ninja import NinjaAPI

from . import errors
from .auth import session_auth, token_auth
from .routers import (
    assets,
    attachments,
    canned,
    catalog,
    contacts,
    events,
    kb,
    messages,
    organizations,
    participants,
    reports,
    service_catalog,
    teams,
    tickets,
    tokens,
    trackers,
    webhooks,
)

DESCRIPTION = """The Ticketdesk REST API.

Authenticate with a personal API token (`Authorization: Bearer tdk_…`; create one with
`ticketdesk apitoken create USERNAME --name NAME --scope write` or POST /api/v1/tokens) or,
from the browser, with the session cookie and the CSRF token. Errors are JSON:
`{"code": …, "message": …, "fields": {…}}`. See docs/api.md.
"""


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Ticketdesk API",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api",
        auth=[token_auth, session_auth],
    )
    errors.install(api)
    api.add_router("/tickets", tickets.router)
    api.add_router("/tickets", messages.router)
    api.add_router("/tickets", events.ticket_router)
    api.add_router("/tickets", participants.router)
    api.add_router("/tickets", trackers.router)
    api.add_router("/attachments", attachments.router)
    api.add_router("/events", events.feed_router)
    api.add_router("/contacts", contacts.router)
    api.add_router("/organizations", organizations.router)
    api.add_router("/teams", teams.router)
    api.add_router("/agents", teams.agents_router)
    api.add_router("/", catalog.router)
    api.add_router("/kb", kb.router)
    api.add_router("/service-catalog", service_catalog.router)
    api.add_router("/canned-responses", canned.router)
    api.add_router("/tokens", tokens.router)
    api.add_router("/webhooks", webhooks.router)
    api.add_router("/reports", reports.router)
    api.add_router("/items", assets.router)
    api.add_router("/tickets", assets.ticket_router)
    return api


api = build_api()
