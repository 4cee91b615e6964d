"""The bell (an htmx fragment any agent page can include), the notification list, mark-read,
and the digest preference."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ticketdesk.accounts import policy
from ticketdesk.core.errors import DomainError, PermissionDenied
from ticketdesk.core.views import render_domain_error

from . import inapp, preferences


def _staff_only(request: HttpRequest) -> HttpResponse | None:
    if not policy.is_staff_member(request.user):
        return render_domain_error(request, PermissionDenied(_("Only agents have notifications.")))
    return None


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    denied = _staff_only(request)
    if denied is not None:
        return denied
    return _bell(request)


def _bell(request: HttpRequest) -> HttpResponse:
    count = inapp.unread_for(request.user).count()
    return render(request, "notifications/bell.html", {"unread": count})


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    denied = _staff_only(request)
    if denied is not None:
        return denied
    return render(
        request,
        "notifications/list.html",
        {
            "groups": inapp.grouped_for(request.user),
            "unread": inapp.unread_for(request.user).count(),
            "digest": inapp.digest_frequency(request.user),  # type: ignore[arg-type]
            "digest_choices": preferences.digest_choices(),
            "page_nav": "notifications",
        },
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    denied = _staff_only(request)
    if denied is not None:
        return denied
    inapp.mark_read(request.user, pk)
    if request.headers.get("HX-Request"):
        response = _bell(request)
        response["HX-Trigger"] = "notifications-changed"
        return response
    return redirect("notifications:list")


@login_required
@require_POST
def mark_ticket_read(request: HttpRequest, ticket_id: int) -> HttpResponse:
    denied = _staff_only(request)
    if denied is not None:
        return denied
    inapp.mark_read(request.user, ticket_id=ticket_id)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    denied = _staff_only(request)
    if denied is not None:
        return denied
    inapp.mark_read(request.user)
    return redirect("notifications:list")


@login_required
@require_POST
def set_digest(request: HttpRequest) -> HttpResponse:
    denied = _staff_only(request)
    if denied is not None:
        return denied
    try:
        preferences.set_digest(request.user, request.POST.get("digest", ""))
    except DomainError as exc:  # shown like every other page
        return render_domain_error(request, exc)
    messages.success(request, _("Your email choice is saved."))
    return redirect("notifications:list")
