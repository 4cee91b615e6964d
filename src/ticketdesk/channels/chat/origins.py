"""Which other sites may embed the chat widget, and the CORS answer its endpoints give.

The widget runs on a page of another origin and calls our endpoints with fetch (no cookies):
each answer names the caller's origin when the allow-list has it. There is no CSRF cookie to
check across origins; instead every call about a chat carries that chat's secret token
(X-Chat-Token, or `token` where a header cannot be set: EventSource, file links), and the
calls that start something act as nobody's session and are rate limited."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from ticketdesk.core.config_cache import cached

from .models import ChatWidgetSettings
from .origin_syntax import origin_of


def configured_origins() -> list[str]:
    """The origins an administrator allowed in the Settings (the per-process configuration
    cache: no query when warm)."""
    return cached(
        "chat:widget-origins",
        lambda: [origin_of(str(o)) for o in ChatWidgetSettings.current().allowed_origins],
    )


def allowed_origins() -> set[str]:
    """The Settings' origins, the environment's (TICKETDESK_CHAT_ORIGINS) and our own."""
    origins = {origin_of(o) or o for o in settings.TICKETDESK_CHAT_ORIGINS}
    origins.update(configured_origins())
    origins.add(origin_of(settings.SITE_URL))
    return origins


def environment_origins() -> list[str]:
    return sorted({origin_of(o) or o for o in settings.TICKETDESK_CHAT_ORIGINS if o})


def origin_allowed(origin: str) -> bool:
    origins = allowed_origins()
    return "*" in origins or origin.lower() in origins


def widget_endpoint(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """CORS for the allow-listed origins (preflight included); CSRF replaced by the token."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        origin = request.headers.get("Origin", "")
        if origin and origin != "null" and not origin_allowed(origin):
            return JsonResponse(
                {
                    "code": "origin_not_allowed",
                    "message": _("This site may not embed the chat."),
                },
                status=403,
            )
        response: HttpResponseBase = (
            HttpResponse(status=204)
            if request.method == "OPTIONS"
            else view(request, *args, **kwargs)
        )
        if origin:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Content-Type, X-Chat-Token"
            response["Access-Control-Max-Age"] = "600"
        response["Vary"] = "Origin"
        return response

    return wrapped
