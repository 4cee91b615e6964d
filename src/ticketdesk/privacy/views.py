"""The administrators' audit log page (with its CSV export) and the privacy page of a
contact: export everything about them, or erase them after a confirmation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact
from ticketdesk.audit import log
from ticketdesk.core import clock
from ticketdesk.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from ticketdesk.core.views import render_domain_error
from ticketdesk.reports.export import csv_response

from . import erase, export, queries

ACTIONS = [
    "ticket.viewed",
    "auth.login",
    "auth.login_failed",
    "auth.logout",
    "report.exported",
    "tickets.exported",
    "audit.exported",
    "privacy.exported",
    "privacy.erased",
    "privacy.retention_applied",
    "api_token.created",
    "api_token.revoked",
    "user.created",
    "user.permissions_changed",
    "user.groups_changed",
]


def _require(request: HttpRequest, verb: str) -> None:
    if not policy.can(request.user, verb):
        raise PermissionDenied(_("Only administrators may see this page."))


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    try:
        _require(request, policy.VIEW_AUDIT_LOG)
        filters = queries.parse_filters(request.GET)
        page = queries.page(filters, request.GET.get("cursor") or None)
    except DomainError as error:
        return render_domain_error(request, error)
    query = filters.as_query()
    return render(
        request,
        "privacy/audit_log.html",
        {
            "page_nav": "audit",
            "filters": filters,
            "page": page,
            "actions": ACTIONS,
            "query": urlencode(query),
            "next_query": urlencode({**query, "cursor": page.next_cursor or ""}),
        },
    )


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponseBase:
    try:
        _require(request, policy.VIEW_AUDIT_LOG)
        filters = queries.parse_filters(request.GET)
    except DomainError as error:
        return render_domain_error(request, error)
    log.record(request.user, "audit.exported", None, filters=filters.as_query())
    headers = [
        _("When"),
        _("Actor"),
        _("IP address"),
        _("Action"),
        _("Target type"),
        _("Target id"),
        _("Target"),
        _("Details"),
    ]
    stamp = clock.now().date().isoformat()
    return csv_response(f"audit-{stamp}", headers, queries.export_rows(filters))


def _contact(request: HttpRequest, contact_id: int) -> Contact:
    _require(request, policy.MANAGE_PERSONAL_DATA)
    contact = Contact.objects.select_related("user").filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("No such contact."))
    return contact


@login_required
@require_http_methods(["GET", "POST"])
def privacy_home(request: HttpRequest) -> HttpResponse:
    """Find a contact by email address (posted, so that it stays out of access logs)."""
    try:
        _require(request, policy.MANAGE_PERSONAL_DATA)
    except DomainError as error:
        return render_domain_error(request, error)
    email = request.POST.get("email", "").strip()[:254]
    contact = Contact.objects.filter(email__iexact=email).first() if email else None
    if email and contact is not None:
        return redirect("privacy:contact", contact_id=contact.pk)
    return render(
        request,
        "privacy/home.html",
        {"page_nav": "privacy", "email": email, "not_found": bool(email)},
    )


ERASED_DOMAIN = "@erased.invalid"


@login_required
@require_GET
def contact_page(request: HttpRequest, contact_id: int) -> HttpResponse:
    try:
        contact = _contact(request, contact_id)
    except DomainError as error:
        return render_domain_error(request, error)
    return render(
        request,
        "privacy/contact.html",
        {
            "page_nav": "privacy",
            "contact": contact,
            "summary": _summary(contact),
            # an erased contact has nothing left to export or erase
            "erased": contact.email.endswith(ERASED_DOMAIN),
        },
    )


def _summary(contact: Contact) -> dict[str, Any]:
    return {
        "tickets": contact.tickets.count(),
        "messages": contact.messages.count(),
        "organizations": contact.organizations.count(),
    }


@login_required
@require_POST
def contact_export(request: HttpRequest, contact_id: int) -> HttpResponseBase:
    try:
        contact = _contact(request, contact_id)
    except DomainError as error:
        return render_domain_error(request, error)
    archive = export.export_contact(contact, actor=request.user)
    stamp = clock.now().date().isoformat()
    return FileResponse(
        archive,
        as_attachment=True,
        filename=f"contact-{contact.pk}-{stamp}.zip",
        content_type="application/zip",
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_erase(request: HttpRequest, contact_id: int) -> HttpResponse:
    """GET: what will happen and a box to type the address in; POST: erase."""
    try:
        contact = _contact(request, contact_id)
        if request.method == "POST":
            typed = request.POST.get("confirm_email", "").strip()
            if typed.lower() != contact.email.lower():
                raise ValidationFailed(
                    _("Type the contact's email address to confirm."),
                    fields={"confirm_email": [_("Type the contact's email address to confirm.")]},
                )
            result = erase.erase_contact(contact, actor=request.user)
            messages.success(
                request,
                _("The contact was erased; they are now “%(name)s”.") % {"name": result.pseudonym},
            )
            return redirect("privacy:contact", contact_id=contact.pk)
    except ValidationFailed as error:
        return render(
            request,
            "privacy/erase.html",
            {"page_nav": "privacy", "contact": contact, "error": error.message},
            status=400,
        )
    except DomainError as error:
        return render_domain_error(request, error)
    return render(
        request,
        "privacy/erase.html",
        {
            "page_nav": "privacy",
            "contact": contact,
            "summary": _summary(contact),
            # an erased contact has nothing left to export or erase
            "erased": contact.email.endswith(ERASED_DOMAIN),
        },
    )
