"""Authentication of API requests: personal tokens (`Authorization: Bearer …`) and the
browser session (with its CSRF check on unsafe methods). Both count against a per-caller
rate limit; read-only tokens cannot use unsafe methods."""

from __future__ import annotations

import math
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from ticketdesk.accounts import ratelimit

from . import tokens

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
DEFAULT_RATE_LIMIT = 600  # requests per window
DEFAULT_RATE_WINDOW = 60  # seconds


class ApiError(HttpError):
    """An HTTP error with a machine-readable code (rendered by errors.py)."""

    def __init__(self, status_code: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(status_code, message)
        self.code = code
        self.extra = extra


class RateLimited(ApiError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "rate_limited",
            _("Too many requests. Try again in %(s)s seconds.") % {"s": retry_after},
        )
        self.retry_after = retry_after


def rate_limit_settings() -> tuple[int, int]:
    conf = settings.TICKETDESK
    return (
        int(conf.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)),
        int(conf.get("API_RATE_WINDOW", DEFAULT_RATE_WINDOW)),
    )


def check_rate(key: str) -> None:
    limit, window = rate_limit_settings()
    if not ratelimit.hit(f"api:{key}", limit=limit, window_seconds=window):
        retry_after = max(1, math.ceil(window - (time.time() % window)))
        raise RateLimited(retry_after)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer tdk_…`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = tokens.authenticate(token.strip())
        if found is None:
            raise ApiError(401, "invalid_token", _("The API token is invalid or revoked."))
        check_rate(f"token:{found.pk}")
        if request.method not in SAFE_METHODS and not found.can_write:
            raise ApiError(
                403, "insufficient_scope", _("This token is read-only; create a write token.")
            )
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session; unsafe methods need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request):
            raise ApiError(403, "csrf_failed", _("CSRF check failed."))
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return None
        check_rate(f"user:{user.pk}")
        return user


token_auth = TokenAuth()
session_auth = SessionAuth()
