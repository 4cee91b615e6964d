"""The ticket page's workflow actions: resolve with a summary and the verification
checklist, escalate."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ticketdesk.core.errors import Conflict, DomainError
from ticketdesk.core.views import render_domain_error
from ticketdesk.tickets import actions

from ..workflow_forms import EscalateForm, ResolveForm
from .common import current_user, staff_required
from .ticket import _ticket, page_context


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("expected_version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@staff_required
@require_POST
def resolve(request: HttpRequest, number: int) -> HttpResponse:
    """Resolve (or close) an active ticket: the summary and the checklist are required of
    agents; optionally the summary goes to the customer as the reply that resolves."""
    user = current_user(request)
    try:
        ticket = _ticket(request, number)
    except DomainError as err:
        return render_domain_error(request, err)
    form = ResolveForm(request.POST, ticket=ticket)
    if form.is_valid():
        try:
            if form.cleaned_data["send_to_customer"]:
                actions.reply(
                    ticket,
                    actor=user,
                    body=form.cleaned_data["resolution_summary"],
                    status=form.status_object(),
                    resolution=form.resolution(),
                    expected_version=_version(request),
                )
            else:
                actions.change_status(
                    ticket,
                    form.status_object(),
                    actor=user,
                    resolution=form.resolution(),
                    expected_version=_version(request),
                )
        except Conflict as err:
            form.add_error(None, err.message)
        except DomainError as err:
            if err.status_code == 403:
                return render_domain_error(request, err)
            form.add_domain_errors(err.fields, err.message)
        else:
            messages.success(request, _("Ticket resolved."))
            return redirect("workspace:ticket", number=ticket.number)
    context = page_context(request, ticket, resolve_form=form, resolve_open=True)
    return render(request, "workspace/ticket.html", context, status=400)


@staff_required
@require_POST
def escalate(request: HttpRequest, number: int) -> HttpResponse:
    """Escalate with a reason: to another team (functional) or a lead (hierarchical)."""
    user = current_user(request)
    try:
        ticket = _ticket(request, number)
    except DomainError as err:
        return render_domain_error(request, err)
    form = EscalateForm(request.POST, ticket=ticket)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.escalate(
                ticket,
                actor=user,
                reason=data["reason"],
                team=data["team"] if data["kind"] == "functional" else None,
                user=data["user"],
                kind=data["kind"],
                expected_version=_version(request),
            )
        except Conflict as err:
            form.add_error(None, err.message)
        except DomainError as err:
            if err.status_code == 403:
                return render_domain_error(request, err)
            form.add_domain_errors(err.fields, err.message)
        else:
            messages.success(request, _("Ticket escalated."))
            return redirect("workspace:ticket", number=ticket.number)
    context = page_context(request, ticket, escalate_form=form, escalate_open=True)
    return render(request, "workspace/ticket.html", context, status=400)
