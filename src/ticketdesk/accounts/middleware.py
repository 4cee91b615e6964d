"""Activate the signed-in user's language and time zone; give the policy module a cache
that lives as long as the request."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


class UserPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # memberships and ticket visibility, asked by several parts of one page
            user._policy_cache = {}
            if getattr(user, "language", ""):
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
            if getattr(user, "time_zone", ""):
                try:
                    timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
