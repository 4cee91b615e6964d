"""Helpers shared by the portal's (and the public knowledge base's) views."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact

from ..models import PortalSettings

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def branding(portal: PortalSettings) -> dict[str, str]:
    """Colours are spliced into CSS: only well-formed hex values pass."""
    return {
        "primary": portal.primary_color if _HEX.match(portal.primary_color) else "#2456c7",
        "header": portal.header_color if _HEX.match(portal.header_color) else "#15213b",
    }


def portal_settings(request: HttpRequest) -> PortalSettings:
    """The portal settings, read once per request."""
    cached = getattr(request, "_portal_settings", None)
    if cached is None:
        cached = PortalSettings.current()
        request._portal_settings = cached  # type: ignore[attr-defined]
    return cached


def render_portal(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    portal = portal_settings(request)
    ctx = {"portal": portal, "portal_colors": branding(portal), **(context or {})}
    return render(request, template, ctx, status=status)


def contact_of(request: HttpRequest) -> Contact | None:
    return policy.contact_for(request.user)
