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
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def allowed_origins() -> set[str]:
    origins = {_origin_of(o) or o for o in settings.TICKETDESK_CHAT_ORIGINS}
    origins.add(_origin_of(settings.SITE_URL))
    return origins


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
