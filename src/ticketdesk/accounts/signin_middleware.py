"""After authentication: keep the list of open sessions, and stop a user whose role needs a
second factor at the door until their session has one (or they have set one up)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import signin_sessions, two_factor

# pages a user who still owes a second factor may reach: signing in and out, setting it up
OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/jsi18n/", "/healthz", "/oidc/")


class SignInMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            signin_sessions.touch(request)
            stop = self._second_factor_gate(request)
            if stop is not None:
                return stop
        return self.get_response(request)

    def _second_factor_gate(self, request: HttpRequest) -> HttpResponse | None:
        if request.path.startswith(OPEN_PREFIXES):
            return None
        if two_factor.session_is_verified(request):
            return None
        user = request.user
        assert not user.is_anonymous
        if not two_factor.required_for(user):  # type: ignore[arg-type]
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Two-factor authentication is required: sign in again.")},
                status=403,
            )
        query = urlencode({"next": request.get_full_path()})
        if two_factor.has_device(user):  # type: ignore[arg-type]
            return redirect(f"{reverse('two_factor_verify')}?{query}")
        return redirect(f"{reverse('two_factor')}?{query}")
