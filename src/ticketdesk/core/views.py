"""Views shared by every app: health check, error pages, and the mapping of domain errors to
HTTP responses for the UI."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .errors import DomainError
from .outbox import health as health_checks

STALE_LAG_SECONDS = 120


def alive(request: HttpRequest) -> HttpResponse:
    """Liveness for a load balancer or orchestrator: the process answers (no database)."""
    return JsonResponse({"status": "alive"})


_migrated = False


def ready(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers and has every migration of this version applied
    (during an upgrade a new process waits until `migrate` has run). 503 otherwise."""
    global _migrated
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrated:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if plan:
                return JsonResponse(
                    {"status": "not ready", "database": "ok", "unapplied_migrations": len(plan)},
                    status=503,
                )
            _migrated = True  # migrations only ever move forward while a process lives
    except Exception:
        return JsonResponse({"status": "not ready", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ready", "database": "ok"})


# the same mark base.html links as its icon, for browsers and tools that ask /favicon.ico
FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="8" fill="#2456c7"/>'
    '<path d="M9 11h14v3H9zm0 6h10v3H9z" fill="#fff"/></svg>'
)


def favicon(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(FAVICON_SVG, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def health(request: HttpRequest) -> HttpResponse:
    """The database answers; and how the background work is doing: living outbox workers,
    each consumer's backlog, dead letters and lag (the age of its oldest waiting event), the
    mail queue. "degraded" when events wait longer than two minutes with no worker alive, or
    dead letters wait for an admin. 200 unless the database is unreachable; `?strict=1`
    answers 503 when degraded (for monitoring)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "down", "database": "unreachable"}, status=503)
    lags = health_checks.consumer_lag()
    workers = health_checks.live_workers()
    stale = [lag.name for lag in lags if lag.lag_seconds > STALE_LAG_SECONDS]
    dead = [lag.name for lag in lags if lag.dead]
    degraded = bool(dead) or (bool(stale) and not workers)
    body = {
        "status": "degraded" if degraded else "ok",
        "database": "ok",
        "workers": len(workers),
        "outbox": {lag.name: lag.as_dict() for lag in lags},
        "mail": health_checks.mail_queue(),
    }
    strict = request.GET.get("strict") in ("1", "true", "yes")
    return JsonResponse(body, status=503 if degraded and strict else 200)


def render_domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The UI's answer to a domain error: the same status code the API uses."""
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(error.as_dict(), status=error.status_code)
    return render(request, "error.html", {"error": error}, status=error.status_code)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    """400, or 413 for a body past DATA_UPLOAD_MAX_MEMORY_SIZE read before a view (a
    middleware reading a form); JSON under /api/."""
    status = 413 if isinstance(exception, RequestDataTooBig) else 400
    if request.path.startswith("/api/"):
        code, message = (
            ("too_large", _("The request body is too large."))
            if status == 413
            else ("bad_request", _("The request is not valid."))
        )
        return JsonResponse({"code": code, "message": message}, status=status)
    return render(request, "error.html", {"status": status}, status=status)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "error.html", {"status": 403}, status=403)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "error.html", {"status": 404}, status=404)
