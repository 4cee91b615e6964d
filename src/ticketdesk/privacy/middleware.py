"""Tell the audit log who is signed in and from which address, for the whole request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ticketdesk.accounts.ratelimit import client_ip
from ticketdesk.audit import log


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with log.request_context(request, client_ip(request)):
            return self.get_response(request)
