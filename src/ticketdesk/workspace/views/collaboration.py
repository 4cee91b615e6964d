"""Working a ticket together: watchers added and removed by colleagues, and @mention
suggestions while typing a reply or a note."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ticketdesk.core import ids
from ticketdesk.core.errors import DomainError, ValidationFailed
from ticketdesk.core.views import render_domain_error
from ticketdesk.tickets import actions, mentions

from .common import current_user, staff_required
from .ticket import _ticket


@staff_required
@require_POST
def add_watcher(request: HttpRequest, number: int) -> HttpResponse:
    """Add a colleague (or oneself) as a watcher."""
    user = current_user(request)
    try:
        ticket = _ticket(request, number)
        raw = request.POST.get("user", "")
        pk = ids.parse_id(raw)
        colleague = mentions.staff_users().filter(pk=pk).first() if pk else None
        if colleague is None:
            raise ValidationFailed(_("Choose a colleague."))
        actions.add_watcher(ticket, colleague, actor=user)
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(
            request, _("%(name)s now watches this ticket.") % {"name": colleague.display_name}
        )
    return redirect("workspace:ticket", number=number)


@staff_required
@require_POST
def remove_watcher(request: HttpRequest, number: int, user_id: int) -> HttpResponse:
    user = current_user(request)
    try:
        ticket = _ticket(request, number)
        watcher = ticket.watchers.filter(pk=user_id).first()
        if watcher is not None:
            actions.remove_watcher(ticket, watcher, actor=user)
            messages.success(
                request,
                _("%(name)s no longer watches this ticket.") % {"name": watcher.display_name},
            )
    except DomainError as err:
        messages.error(request, err.message)
    return redirect("workspace:ticket", number=number)


@staff_required
@require_GET
def mention_suggestions(request: HttpRequest, number: int) -> HttpResponse:
    """htmx: the colleagues matching what follows the @ being typed, as a listbox."""
    try:
        ticket = _ticket(request, number)
    except DomainError as err:
        return render_domain_error(request, err)
    query = (request.GET.get("mention") or "").strip()
    people = mentions.suggestions(query) if request.GET.get("active") == "1" else []
    return render(
        request,
        "workspace/partials/mention_suggestions.html",
        {"ticket": ticket, "people": people, "query": query},
    )
