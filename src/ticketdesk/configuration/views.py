"""The administrators' configuration pages: download the configuration file, upload one
and see what it would change before applying it, and the list of configuration changes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ticketdesk.accounts import policy
from ticketdesk.audit import log
from ticketdesk.core import clock
from ticketdesk.core.errors import DomainError, PermissionDenied, ValidationFailed
from ticketdesk.core.views import render_domain_error

from . import queries
from .actions import import_configuration
from .display import describe
from .document import export_text
from .plan import MAX_BYTES, ConfigurationError, Plan


def _require(request: HttpRequest, verb: str) -> None:
    if not policy.can(request.user, verb):
        raise PermissionDenied(_("Only administrators may see this page."))


def _page(request: HttpRequest, status: int = 200, **context: Any) -> HttpResponse:
    return render(
        request,
        "configuration/exchange.html",
        {"page_nav": "audit", "max_mb": MAX_BYTES // (1024 * 1024), **context},
        status=status,
    )


@login_required
@require_GET
def exchange(request: HttpRequest) -> HttpResponse:
    try:
        _require(request, policy.EXCHANGE_CONFIGURATION)
    except DomainError as error:
        return render_domain_error(request, error)
    return _page(request)


@login_required
@require_GET
def export_file(request: HttpRequest) -> HttpResponse:
    try:
        _require(request, policy.EXCHANGE_CONFIGURATION)
    except DomainError as error:
        return render_domain_error(request, error)
    try:
        text = export_text()
    except ValidationFailed as error:
        return _page(request, status=400, error=error)
    log.record(request.user, "config.exported", log.Target("configuration", "", "export"))
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    stamp = clock.now().date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="ticketdesk-config-{stamp}.yaml"'
    return response


def _uploaded_text(request: HttpRequest) -> str:
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size is not None and upload.size > MAX_BYTES:
            raise ConfigurationError("", _("The file is larger than 5 MB."))
        raw = upload.read(MAX_BYTES + 1)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ConfigurationError("", _("The file is not UTF-8 text.")) from error
    text = request.POST.get("document", "")
    if not text.strip():
        message = _("Choose a configuration file.")
        raise ValidationFailed(message, fields={"file": [message]})
    return text


def _preview_context(plan: Plan, text: str) -> dict[str, Any]:
    return {
        "plan": plan,
        "kinds": [k for k in plan.kinds if k.has_changes],
        "document": text,
        "fingerprint": plan.fingerprint(),
    }


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The uploaded file's changes, from a dry run (which also validates it)."""
    try:
        _require(request, policy.EXCHANGE_CONFIGURATION)
    except DomainError as error:
        return render_domain_error(request, error)
    try:
        text = _uploaded_text(request)
        plan = import_configuration(text, actor=request.user, dry_run=True)
    except ValidationFailed as error:
        return _page(request, status=400, error=error)
    return _page(request, **_preview_context(plan, text))


@login_required
@require_POST
def apply(request: HttpRequest) -> HttpResponse:
    try:
        _require(request, policy.EXCHANGE_CONFIGURATION)
    except DomainError as error:
        return render_domain_error(request, error)
    text = request.POST.get("document", "")
    try:
        plan = import_configuration(
            text, actor=request.user, expected=request.POST.get("fingerprint", "-")
        )
    except ValidationFailed as error:
        return _page(request, status=400, error=error)
    except DomainError as error:  # changed since the preview: show the new changes
        fresh = import_configuration(text, actor=request.user, dry_run=True)
        return _page(
            request, status=error.status_code, error=error, **_preview_context(fresh, text)
        )
    if plan.has_changes:
        messages.success(request, _("The configuration was applied."))
    else:
        messages.info(request, _("Nothing to change: this installation already matches the file."))
    return redirect("configuration:changes")


@login_required
@require_GET
def changes(request: HttpRequest) -> HttpResponse:
    try:
        _require(request, policy.VIEW_CONFIGURATION_CHANGES)
        filters = queries.parse_filters(request.GET)
        page = queries.page(filters, request.GET.get("cursor") or None)
    except ValidationFailed as error:
        filters = queries.ChangeFilters()
        return _changes_page(request, filters, None, error=error, status=400)
    except DomainError as error:
        return render_domain_error(request, error)
    return _changes_page(request, filters, page)


def _changes_page(
    request: HttpRequest,
    filters: queries.ChangeFilters,
    page: Any,
    *,
    error: Any = None,
    status: int = 200,
) -> HttpResponse:
    choices = queries.kind_choices()
    names = dict(choices)
    query = filters.as_query()
    return render(
        request,
        "configuration/changes.html",
        {
            "page_nav": "audit",
            "filters": filters,
            "kinds": choices,
            "people": queries.administrators(),
            "changes": [describe(entry, names) for entry in page.items] if page else [],
            "page": page,
            "error": error,
            "next_query": urlencode({**query, "cursor": page.next_cursor or ""}) if page else "",
            "may_exchange": policy.can(request.user, policy.EXCHANGE_CONFIGURATION),
        },
        status=status,
    )
