"""Settings → Classification: ticket types, the category tree, business areas and the team
each channel starts in (tags have their own page, tags.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ticketdesk.core.errors import DomainError
from ticketdesk.tickets.actions import classification as actions
from ticketdesk.tickets.models import BusinessArea, Category, Tag, Ticket, TicketType

from ...settings_classification_forms import (
    BusinessAreaForm,
    CategoryForm,
    ChannelDefaultsForm,
    TicketTypeForm,
)
from ..common import current_user
from . import common as shared
from .common import (
    capped_count,
    place_errors,
    render_settings,
    settings_required,
)

SECTION = "classification"


def _depth(category: Category) -> int:
    return category.path.count(" / ")


@settings_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    categories = list(
        Category.objects.select_related("default_team")
        .annotate(
            ticket_count=capped_count(Category._meta.db_table, Ticket._meta.db_table, "category_id")
        )
        .order_by("path")
    )
    return render_settings(
        request,
        "workspace/settings/classification.html",
        {
            "cap": shared.COUNT_CAP,
            "types": list(
                TicketType.objects.select_related("default_team").order_by("order", "id")
            ),
            "categories": [(c, _depth(c)) for c in categories],
            "areas": list(BusinessArea.objects.order_by("name")),
            "channels_form": ChannelDefaultsForm(),
            "tag_count": Tag.objects.count(),
        },
        section=SECTION,
    )


def _edit(
    request: HttpRequest,
    *,
    form_class: type[Any],
    row: Any,
    save: Callable[[Any, Any], Any],
    saved_message: str,
    template: str,
) -> HttpResponse:
    form = form_class(request.POST or None, row=row)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.spec(), row)
        except DomainError as error:
            place_errors(form, error)
        else:
            messages.success(request, saved_message % {"n": saved.name})
            return redirect("workspace:settings:classification")
    return render_settings(
        request,
        template,
        {"form": form, "row": row},
        section=SECTION,
        status=400 if request.method == "POST" else 200,
    )


@settings_required
@require_http_methods(["GET", "POST"])
def type_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    row = get_object_or_404(TicketType, pk=pk) if pk else None
    return _edit(
        request,
        form_class=TicketTypeForm,
        row=row,
        save=lambda spec, row: actions.save_ticket_type(
            actor=current_user(request), spec=spec, ticket_type=row
        ),
        saved_message=_("The ticket type “%(n)s” is saved."),
        template="workspace/settings/type_form.html",
    )


@settings_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    row = get_object_or_404(Category, pk=pk) if pk else None
    return _edit(
        request,
        form_class=CategoryForm,
        row=row,
        save=lambda spec, row: actions.save_category(
            actor=current_user(request), spec=spec, category=row
        ),
        saved_message=_("The category “%(n)s” is saved."),
        template="workspace/settings/category_form.html",
    )


@settings_required
@require_POST
def category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category, pk=pk)
    try:
        actions.delete_category(actor=current_user(request), category=category)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("workspace:settings:category_edit", pk=category.pk)
    messages.success(request, _("The category “%(n)s” is deleted.") % {"n": category.name})
    return redirect("workspace:settings:classification")


@settings_required
@require_http_methods(["GET", "POST"])
def area_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    row = get_object_or_404(BusinessArea, pk=pk) if pk else None
    return _edit(
        request,
        form_class=BusinessAreaForm,
        row=row,
        save=lambda spec, row: actions.save_business_area(
            actor=current_user(request), spec=spec, area=row
        ),
        saved_message=_("The business area “%(n)s” is saved."),
        template="workspace/settings/area_form.html",
    )


@settings_required
@require_POST
def channel_defaults(request: HttpRequest) -> HttpResponse:
    form = ChannelDefaultsForm(request.POST)
    if form.is_valid():
        try:
            changed = actions.set_channel_defaults(actor=current_user(request), teams=form.teams())
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The channels' teams are saved: %(n)s changed.") % {"n": changed}
            )
    else:
        messages.error(request, _("Choose one of the offered teams."))
    return redirect("workspace:settings:classification")
