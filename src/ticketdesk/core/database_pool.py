"""The web processes' PostgreSQL connection pool (settings.py, TICKETDESK_DB_POOL): a request
that cannot get a connection in time is answered 503 with Retry-After, not 500; a long
response (a chat stream) gives its connections back while it waits.

With the pool a request borrows a connection at its first query and Django gives it back
when the request ends (CONN_MAX_AGE is 0). `DatabasePoolMiddleware` borrows it at the door
instead, so a full pool turns a request away before any work is done, and says so in the log
with the pool's figures; docs/production.md explains how to size the pool.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 2


def pooled(alias: str = "default") -> bool:
    return bool(connections[alias].settings_dict.get("OPTIONS", {}).get("pool"))


def pool_exhausted(error: BaseException) -> bool:
    """Did this error come from waiting too long for a pooled connection?"""
    from psycopg_pool import PoolTimeout

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, PoolTimeout):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def release_connections() -> None:
    """Give this thread's database connections back (to the pool, or close them) before a
    long wait; the next query takes one again. Not inside a transaction (a test case's own
    included): there the connection stays."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.in_atomic_block:
            connection.close()


def pool_stats(alias: str = "default") -> dict[str, int]:
    pool = getattr(connections[alias], "pool", None)
    return dict(pool.get_stats()) if pool is not None else {}


def busy_response(request: HttpRequest) -> HttpResponse:
    language = translation.get_language_from_request(request, check_path=False)
    with translation.override(language):
        message = _("The service is busy. Please try again in a few seconds.")
    if "text/html" in request.headers.get("Accept", ""):
        response: HttpResponse = HttpResponse(
            f"<!doctype html><title>503</title><p>{escape(message)}</p>", status=503
        )
    else:
        response = JsonResponse({"code": "busy", "message": message}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabasePoolMiddleware:
    """Borrow the request's pooled connection first; 503 + Retry-After when the pool stays
    empty for TICKETDESK_DB_POOL_TIMEOUT (or a view later waits as long)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if pooled():
            try:
                connections["default"].ensure_connection()
            except OperationalError as error:
                if pool_exhausted(error):
                    return self.refuse(request)
                # the database is down or refuses: the view says it (/ready answers 503)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if isinstance(exception, OperationalError) and pool_exhausted(exception):
            return self.refuse(request)
        return None

    def refuse(self, request: HttpRequest) -> HttpResponse:
        logger.warning(
            "database pool exhausted: %s %s answered 503 (pool %s); raise TICKETDESK_DB_POOL "
            "within PostgreSQL's max_connections, or add web processes",
            request.method,
            request.path,
            pool_stats(),
        )
        return busy_response(request)
