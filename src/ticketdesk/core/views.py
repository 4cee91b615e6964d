"""Views shared by every app: health check, error pages, and the mapping of domain errors to
HTTP responses for the UI."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .errors import DomainError


def health(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def render_domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The UI's answer to a domain error: the same status code the API uses."""
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(error.as_dict(), status=error.status_code)
    return render(request, "error.html", {"error": error}, status=error.status_code)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "error.html", {"status": 400}, status=400)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "error.html", {"status": 403}, status=403)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "error.html", {"status": 404}, status=404)
