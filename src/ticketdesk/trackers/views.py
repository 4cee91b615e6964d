"""Developer tracker links on the workspace ticket page (a panel loaded by htmx, forms that
create or link an issue) and the trackers' inbound webhooks."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ticketdesk.accounts import policy
from ticketdesk.core.errors import DomainError, NotFound
from ticketdesk.core.views import render_domain_error
from ticketdesk.tickets import queries as ticket_queries

from . import actions, inbound, queries
from .forms import CreateIssueForm, LinkIssueForm

View = Callable[..., HttpResponse]
MAX_WEBHOOK_BYTES = 1024 * 1024


def domain_errors(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return render_domain_error(request, error)

    return wrapper


def _panel(request: HttpRequest, ticket: Any, **extra: Any) -> HttpResponse:
    connections = list(queries.active_connections())
    context = {
        "ticket": ticket,
        "links": list(queries.links_for(ticket.pk)),
        "may_link": bool(connections) and policy.can(request.user, policy.LINK_TRACKER, ticket),
        "create_form": extra.pop("create_form", None)
        or CreateIssueForm(connections=connections, initial={"title": ticket.subject}),
        "link_form": extra.pop("link_form", None) or LinkIssueForm(),
        **extra,
    }
    status = 400 if extra.get("error") else 200
    return render(request, "trackers/panel.html", context, status=status)


@require_GET
@domain_errors
def panel(request: HttpRequest, number: int) -> HttpResponse:
    policy.require(request.user, policy.USE_WORKSPACE)
    return _panel(request, ticket_queries.ticket_detail(request.user, number))


def _done(request: HttpRequest, ticket: Any) -> HttpResponse:
    if request.headers.get("HX-Request"):
        return _panel(request, ticket)
    return HttpResponseRedirect(f"/t/{ticket.number}/")


@require_POST
@domain_errors
def create(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_queries.ticket_detail(request.user, number)
    policy.require(request.user, policy.LINK_TRACKER, ticket)
    form = CreateIssueForm(request.POST, connections=list(queries.active_connections()))
    if not form.is_valid():
        return _panel(request, ticket, create_form=form, error=True)
    try:
        actions.create_issue(
            ticket,
            connection=form.cleaned_data["connection"],
            actor=request.user,  # type: ignore[arg-type]
            title=form.cleaned_data["title"],
        )
    except DomainError as error:
        form.apply_error(error)
        return _panel(request, ticket, create_form=form, error=True)
    return _done(request, ticket)


@require_POST
@domain_errors
def link(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_queries.ticket_detail(request.user, number)
    policy.require(request.user, policy.LINK_TRACKER, ticket)
    form = LinkIssueForm(request.POST)
    if not form.is_valid():
        return _panel(request, ticket, link_form=form, error=True)
    try:
        actions.link_issue(ticket, url=form.cleaned_data["url"], actor=request.user)  # type: ignore[arg-type]
    except DomainError as error:
        form.apply_error(error)
        return _panel(request, ticket, link_form=form, error=True)
    return _done(request, ticket)


@require_POST
@domain_errors
def unlink(request: HttpRequest, number: int, link_id: int) -> HttpResponse:
    ticket = ticket_queries.ticket_detail(request.user, number)
    found = queries.links_for(ticket.pk).filter(pk=link_id).first()
    if found is None:
        raise NotFound(_("This link does not exist."))
    actions.unlink(found, actor=request.user)  # type: ignore[arg-type]
    return _done(request, ticket)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, connection_id: int) -> HttpResponse:
    """A tracker's delivery: verified by its signature or shared secret, then applied."""
    connection = queries.active_connections().filter(pk=connection_id).first()
    if connection is None:
        return JsonResponse({"code": "not_found", "message": _("Unknown tracker.")}, status=404)
    body = request.body[:MAX_WEBHOOK_BYTES]
    if not inbound.verify(connection, request.headers, request.GET, body):
        return JsonResponse(
            {"code": "bad_signature", "message": _("The signature or secret does not match.")},
            status=401,
        )
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return JsonResponse({"code": "bad_json", "message": _("The body is not JSON.")}, status=400)
    issue = inbound.issue_of(connection, request.headers, data)
    if issue is None:
        return JsonResponse({"ignored": True}, status=202)
    changed = actions.apply_remote(connection, issue)
    return JsonResponse({"issue": issue.remote_id, "state": issue.state, "changed": changed})
