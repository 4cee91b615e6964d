"""Sign-in throttling with django-axes: failures are counted per (account, client IP) pair in
the database, so they hold across every worker process, and a flood of bad passwords for
one account from one address never locks that account out from anywhere else.

The client IP is `ratelimit.client_ip` (X-Forwarded-For only from TICKETDESK_TRUSTED_PROXIES).
Administrators unlock with `ticketdesk axes_reset_username NAME` (or `axes_reset`) or in the
admin under "Axes › Access attempts"; see docs/configuration.md, "Sign-in throttling".
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from . import ratelimit


def lockout_message() -> str:
    return _(
        "Too many failed sign-in attempts for this account from your network. "
        "Wait a few minutes and try again, reset your password, or ask an administrator "
        "to unlock the account."
    )


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' check before the real backends; authentication without a request (the CLI, a
    test client's `login()`) is not a web sign-in and is not counted."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_ip_or_none(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the client address, None when there is none (a unix socket,
    a request built in code), since axes stores it in an IP address column."""
    address = ratelimit.client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def is_locked_out(request: HttpRequest) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the API answers JSON; the login pages render themselves with
    the message (see `is_locked_out` in the views), so their response only gets the 429."""
    if request.path.startswith("/api/") or original_response is None:
        return JsonResponse({"code": "locked_out", "message": lockout_message()}, status=429)
    original_response.status_code = 429
    return original_response
