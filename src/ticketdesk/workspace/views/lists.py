"""The ticket list with the left rail, bulk actions and saved views."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from ticketdesk.accounts import policy
from ticketdesk.core.errors import DomainError, ValidationFailed
from ticketdesk.core.ids import parse_id
from ticketdesk.core.pagination import Page
from ticketdesk.core.views import render_domain_error
from ticketdesk.search import filtering
from ticketdesk.tickets import actions, escalation, queries, workflow
from ticketdesk.tickets.models import Channel, Level, Status, Ticket
from ticketdesk.tickets.numbering import parse_number
from ticketdesk.tickets.resolution import Resolution

from .. import listing, rail
from ..forms import (
    SavedViewForm,
    active_teams,
    active_ticket_types,
    agent_choices,
    agents_queryset,
    split_tags,
)
from ..models import SavedView
from .common import current_user, is_htmx, safe_next, staff_required

MAX_BULK = 100


def _query_string(params: Any, **overrides: Any) -> str:
    keep = {k: v for k, v in params.items() if k != "cursor" and v}
    for key, value in overrides.items():
        if value is None:
            keep.pop(key, None)
        else:
            keep[key] = value
    return urlencode(keep)


def _columns(params: Any, sort: listing.Sort) -> list[dict[str, Any]]:
    columns = []
    for key, (label, _keys) in listing.COLUMNS.items():
        active = key == sort.column
        if active:
            direction = "asc" if sort.direction == "desc" else "desc"
        else:
            direction = listing.DEFAULT_DIRECTION[key]
        columns.append(
            {
                "key": key,
                "label": label,
                "active": active,
                "direction": sort.direction if active else "",
                "aria_sort": (
                    ("ascending" if sort.direction == "asc" else "descending") if active else "none"
                ),
                "url": "?" + _query_string(params, sort=key, dir=direction),
            }
        )
    return columns


@staff_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    views = rail.rail_views(user)
    key = request.GET.get("view") or rail.default_view_key(user)
    try:
        view = rail.find_view(views, key)
    except DomainError as err:
        return render_domain_error(request, err)
    sort = listing.parse_sort(request.GET.get("sort"), request.GET.get("dir"), view.default_sort)
    error: DomainError | None = None
    current_query = ""
    try:
        parsed = listing.filter_query(request.GET)
        current_query = str(parsed)
        queryset = filtering.apply_filters(rail.view_queryset(user, view), parsed, user)
        page = listing.page_of(queryset, sort, request.GET.get("cursor"))
    except ValidationFailed as err:
        error = err
        page = Page(items=[], next_cursor=None, has_more=False)
    context = {
        "page_nav": "tickets",
        "views": views,
        "view": view,
        "page": page,
        "sort": sort,
        "columns": _columns(request.GET, sort),
        "q": request.GET.get("q", ""),
        "filters": {k: request.GET.get(k, "") for k in listing.FILTER_PARAMS},
        "next_url": (
            "?" + _query_string(request.GET, cursor=page.next_cursor) if page.has_more else ""
        ),
        "query_error": error,
        "current_query": current_query,
        "is_first_page": not request.GET.get("cursor"),
        "current_url": request.get_full_path(),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "more-rows":
        return render(request, "workspace/partials/list_rows.html", context)
    context.update(
        {
            "statuses": workflow.active_statuses(),
            "levels": Level.choices,
            "teams": active_teams(),
            "agents": agent_choices(),
            "ticket_types": active_ticket_types(),
            "channels": Channel.choices,
            "escalation_levels": [
                (level, escalation.level_label(level))
                for level in range(1, escalation.MAX_LEVEL + 1)
            ],
            "can_merge": policy.is_agent(user),
        }
    )
    status = 400 if error else 200
    return render(request, "workspace/list.html", context, status=status)


@staff_required
@require_GET
def rail_counts(request: HttpRequest) -> HttpResponse:
    views = rail.rail_views(current_user(request))
    return render(
        request,
        "workspace/partials/rail.html",
        {
            "views": views,
            "counts": rail.counts(current_user(request), views),
            "count_cap": rail.COUNT_CAP,
            "count_cap_text": number_format(rail.COUNT_CAP, force_grouping=True),
            "counts_seconds": rail.COUNTS_TTL_SECONDS,
            "current_key": request.GET.get("view", ""),
            "live": True,
        },
    )


def _bulk_apply(user: Any, ticket: Ticket, op: str, request: HttpRequest, target: Any) -> None:
    if op == "assign":
        value = request.POST.get("assignee", "")
        assignee = None
        if value == "me":
            assignee = user
        elif value:
            assignee = agents_queryset().filter(pk=value).first()
            if assignee is None:
                raise ValidationFailed(_("Choose an agent."))
        actions.assign(ticket, assignee=assignee, actor=user)
    elif op == "status":
        status = Status.objects.filter(pk=request.POST.get("status") or 0).first()
        if status is None:
            raise ValidationFailed(_("Choose a status."))
        summary = request.POST.get("resolution_summary", "")
        actions.change_status(ticket, status, actor=user, resolution=Resolution(summary=summary))
    elif op == "tag":
        tags = split_tags(request.POST.get("tag", ""))
        if not tags:
            raise ValidationFailed(_("Type a tag."))
        actions.set_tags(ticket, actor=user, add=tags)
    elif op == "merge":
        if ticket.pk != target.pk:
            actions.merge(ticket, target, actor=user)
    else:
        raise ValidationFailed(_("Choose an action."))


@staff_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action to the selected tickets, each through tickets.actions; tickets that
    fail are reported and the others still change."""
    user = current_user(request)
    ids = [n for n in map(parse_id, request.POST.getlist("ids")) if n is not None][:MAX_BULK]
    back = safe_next(request)
    if not ids:
        messages.warning(request, _("Select at least one ticket."))
        return redirect(back)
    op = request.POST.get("op", "")
    tickets = list(queries.tickets_for_list(user).filter(pk__in=ids).order_by("number"))
    target = None
    if op == "merge":
        number = parse_number(request.POST.get("merge_into", ""))
        if number is None:
            messages.error(request, _("Enter the number of the ticket to merge into."))
            return redirect(back)
        try:
            target = queries.ticket_detail(user, number)
        except DomainError as err:
            messages.error(request, err.message)
            return redirect(back)
    done, failed = 0, []
    for ticket in tickets:
        try:
            _bulk_apply(user, ticket, op, request, target)
            done += 1
        except DomainError as err:
            failed.append(f"{ticket.display_number}: {err.message}")
    if done:
        messages.success(
            request,
            ngettext("%(n)d ticket updated.", "%(n)d tickets updated.", done) % {"n": done},
        )
    for line in failed[:10]:
        messages.error(request, line)
    return redirect(back)


@staff_required
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the view a name and a query."))
        return redirect(safe_next(request))
    try:
        filtering.parse_query(form.cleaned_data["query"])
        with transaction.atomic():
            saved = SavedView.objects.create(
                owner=current_user(request),
                name=form.cleaned_data["name"],
                query=form.cleaned_data["query"],
            )
    except ValidationFailed as err:
        messages.error(request, err.message)
        return redirect(safe_next(request))
    except IntegrityError:
        messages.error(request, _("You already have a view with this name."))
        return redirect(safe_next(request))
    messages.success(request, _("View “%(name)s” saved.") % {"name": saved.name})
    return redirect(f"/?view=saved-{saved.pk}")


@staff_required
@require_POST
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    SavedView.objects.filter(owner=current_user(request), pk=pk).delete()
    messages.success(request, _("View deleted."))
    return redirect("/")
