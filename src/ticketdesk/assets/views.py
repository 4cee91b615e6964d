"""The item pages of the workspace: list with filters, detail with relationships and
tickets, create and edit, CSV import, tickets per item; linking a ticket to items."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Organization, User
from ticketdesk.core import ids
from ticketdesk.core.errors import DomainError
from ticketdesk.core.views import render_domain_error
from ticketdesk.tickets import queries as ticket_queries

from . import actions, importing, queries
from .forms import ImportForm, ItemForm, RelationForm
from .models import Item, ItemRelation, ItemStatus, ItemType


def _require(request: HttpRequest, verb: str) -> None:
    if not policy.can(request.user, verb):
        raise Http404


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _int(value: str | None) -> int | None:
    return int(value) if value and ids.is_id(value) else None


@login_required
@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    _require(request, policy.VIEW_ASSETS)
    filters = queries.ItemFilters(
        text=request.GET.get("q", ""),
        item_type=_int(request.GET.get("type")),
        status=request.GET.get("status", "")
        if request.GET.get("status") in ItemStatus.values
        else "",
        organization=_int(request.GET.get("organization")),
    )
    try:
        page = queries.item_page(request.user, filters, cursor=request.GET.get("cursor"))
    except DomainError as error:
        return render_domain_error(request, error)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "assets/list.html",
        {
            "page": page,
            "filters": filters,
            "types": list(queries.item_types()),
            "statuses": ItemStatus.choices,
            "organizations": list(Organization.objects.order_by("name").only("id", "name")[:300]),
            "query": query.urlencode(),
            "page_nav": "assets",
            "may_manage": policy.can(request.user, policy.MANAGE_ASSETS),
        },
    )


@login_required
@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, policy.VIEW_ASSETS)
    item = get_object_or_404(queries.items(request.user), pk=pk)
    return render(request, "assets/detail.html", _detail_context(request, item))


def _detail_context(request: HttpRequest, item: Item, **extra: Any) -> dict[str, Any]:
    from . import attributes

    values = item.attributes or {}
    return {
        "item": item,
        "attributes": [
            (d["label"], values[d["key"]])
            for d in attributes.definitions(item.item_type)
            if d["key"] in values
        ],
        "relations": queries.relations(item),
        "tickets": queries.item_tickets(request.user, item),
        "relation_form": extra.pop("relation_form", None) or RelationForm(),
        "may_manage": policy.can(request.user, policy.MANAGE_ASSETS),
        "page_nav": "assets",
        **extra,
    }


def _chosen_type(request: HttpRequest, item: Item | None) -> ItemType | None:
    wanted = _int(request.POST.get("item_type") or request.GET.get("type"))
    if wanted is not None:
        return ItemType.objects.filter(pk=wanted, active=True).first()
    return item.item_type if item else queries.item_types().first()


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require(request, policy.MANAGE_ASSETS)
    item = get_object_or_404(queries.items(request.user), pk=pk) if pk else None
    item_type = _chosen_type(request, item)
    initial: dict[str, Any] = (
        ItemForm.initial_for(item) if item else {"status": ItemStatus.ACTIVE.value}
    )
    if item_type is not None:
        initial["item_type"] = item_type.pk
    form = ItemForm(request.POST or None, initial=initial, item_type=item_type)
    # changing the type only redraws the form with that type's attributes
    if request.method == "POST" and not request.POST.get("redraw") and form.is_valid():
        try:
            if item is None:
                item = actions.create_item(form.to_input(), actor=_user(request))
            else:
                item = actions.update_item(item, form.to_input(), actor=_user(request))
        except DomainError as error:
            form.apply_error(error)
        else:
            return HttpResponseRedirect(reverse("assets:detail", args=[item.pk]))
    return render(
        request,
        "assets/edit.html",
        {"form": form, "item": item, "page_nav": "assets"},
        status=400 if request.method == "POST" and form.errors else 200,
    )


@login_required
@require_POST
def add_relation(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, policy.MANAGE_ASSETS)
    item = get_object_or_404(queries.items(request.user), pk=pk)
    form = RelationForm(request.POST)
    if form.is_valid():
        try:
            target = queries.find_item(request.user, form.cleaned_data["target"])
            actions.relate(item, target, form.cleaned_data["kind"], actor=_user(request))
        except DomainError as error:
            form.add_error("target", error.message)
        else:
            return HttpResponseRedirect(reverse("assets:detail", args=[item.pk]))
    context = _detail_context(request, item, relation_form=form)
    return render(request, "assets/detail.html", context, status=400)


@login_required
@require_POST
def remove_relation(request: HttpRequest, relation_id: int) -> HttpResponse:
    _require(request, policy.MANAGE_ASSETS)
    relation = get_object_or_404(ItemRelation.objects.select_related("source"), pk=relation_id)
    back = _int(request.POST.get("back")) or relation.source_id
    actions.unrelate(relation, actor=_user(request))
    return HttpResponseRedirect(reverse("assets:detail", args=[back]))


@login_required
@require_http_methods(["GET", "POST"])
def import_items(request: HttpRequest) -> HttpResponse:
    _require(request, policy.MANAGE_ASSETS)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = importing.import_items(form.cleaned_data["file"], actor=_user(request))
        if result.ok:
            messages.success(
                request,
                _("Imported: %(c)d created, %(u)d updated, %(r)d relationships.")
                % {"c": result.created, "u": result.updated, "r": result.relations},
            )
            return HttpResponseRedirect(reverse("assets:list"))
    return render(
        request,
        "assets/import.html",
        {
            "form": form,
            "result": result,
            "columns": sorted(importing.KNOWN_COLUMNS),
            "page_nav": "assets",
        },
        status=400 if result is not None and not result.ok else 200,
    )


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    _require(request, policy.VIEW_REPORTS)
    return render(
        request,
        "assets/report.html",
        {"rows": queries.tickets_per_item(limit=200), "page_nav": "reports"},
    )


def _ticket_redirect(number: int) -> HttpResponse:
    return HttpResponseRedirect(reverse("workspace:ticket", args=[number]) + "#affected-items")


@login_required
@require_POST
def link_ticket(request: HttpRequest, number: int) -> HttpResponse:
    try:
        ticket = ticket_queries.ticket_detail(request.user, number)
        item = queries.find_item(request.user, request.POST.get("item", ""))
        actions.link_ticket(ticket, item, actor=_user(request))
    except DomainError as error:
        messages.error(request, error.message)
    return _ticket_redirect(number)


@login_required
@require_POST
def unlink_ticket(request: HttpRequest, number: int, item_id: int) -> HttpResponse:
    try:
        ticket = ticket_queries.ticket_detail(request.user, number)
        item = get_object_or_404(queries.items(request.user), pk=item_id)
        actions.unlink_ticket(ticket, item, actor=_user(request))
    except DomainError as error:
        return render_domain_error(request, error)
    return _ticket_redirect(number)
