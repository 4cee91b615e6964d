"""Permissions-Policy on every response: the help desk uses no camera, microphone,
geolocation, payment or USB, so no page (nor anything injected into one) may ask for them.
Content-Security-Policy is django-csp's (settings.CONTENT_SECURITY_POLICY); Referrer-Policy
and X-Content-Type-Options are Django's SecurityMiddleware."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
