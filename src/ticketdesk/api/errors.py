"""One JSON shape for every API error: {"code", "message", "fields"?, ...}.

Domain errors keep their status (400/403/404/409/413); malformed input is 422 with the
offending fields; missing or bad credentials 401; too many requests 429 with Retry-After.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ticketdesk.core.errors import DomainError

from .auth import ApiError, RateLimited

if TYPE_CHECKING:
    from ninja import NinjaAPI

HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "validation_failed",
    429: "rate_limited",
}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


def too_large_body() -> dict[str, Any]:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_body(
        "too_large",
        _("The request body is larger than %(limit)s bytes.") % {"limit": limit},
        limit_bytes=limit,
    )


def _field_name(loc: Any) -> str:
    parts = [str(p) for p in (loc or []) if p not in ("body", "payload", "query", "path")]
    return ".".join(parts) or "__all__"


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(_field_name(error.get("loc")), []).append(str(error.get("msg", "")))
    return fields


def install(api: NinjaAPI) -> None:
    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, exc.as_dict(), status=exc.status_code)

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        body = error_body(
            "validation_failed",
            _("The request is not valid."),
            fields=validation_fields(exc.errors),
        )
        return api.create_response(request, body, status=422)

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc, ApiError):
            body = error_body(exc.code, str(exc.message), **exc.extra)
        elif isinstance(exc, AuthenticationError):
            body = error_body("not_authenticated", _("Authentication required."))
        else:
            body = error_body(HTTP_CODES.get(exc.status_code, "error"), str(exc.message))
        response = api.create_response(request, body, status=exc.status_code)
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        if exc.status_code == 401:
            response["WWW-Authenticate"] = 'Bearer realm="ticketdesk"'
        return response

    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return api.create_response(request, too_large_body(), status=413)

    api.add_exception_handler(RequestDataTooBig, on_too_big)  # type: ignore[arg-type]
    api.add_exception_handler(DomainError, on_domain_error)  # type: ignore[arg-type]
    api.add_exception_handler(ValidationError, on_validation_error)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, on_http_error)  # type: ignore[arg-type]
    api.add_exception_handler(Http404, on_404)  # type: ignore[arg-type]
