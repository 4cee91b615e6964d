"""Settings → Classification → Tags: a searchable, paginated list (a desk can have thousands),
and per tag: rename, merge into another, delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ticketdesk.core.errors import DomainError
from ticketdesk.tickets.actions import classification
from ticketdesk.tickets.models import Tag, Ticket

from ...settings_classification_forms import TagMergeForm, TagRenameForm
from ..common import current_user
from . import common as shared
from .common import capped_count, render_settings, settings_required

PAGE_SIZE = 50


@settings_required
@require_GET
def tags(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:60]
    rows = Tag.objects.order_by("name", "id")
    if query:
        rows = rows.filter(name__icontains=query)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    # counted for the page shown only, and only up to the cap
    links = Ticket.tags.through._meta.db_table
    counts = dict(
        Tag.objects.filter(pk__in=[t.pk for t in page.object_list])
        .annotate(n=capped_count(Tag._meta.db_table, links, "tag_id"))
        .values_list("pk", "n")
    )
    rows_shown = [(tag, counts.get(tag.pk, 0)) for tag in page.object_list]
    return render_settings(
        request,
        "workspace/settings/tags.html",
        {"page": page, "rows": rows_shown, "query": query, "cap": shared.COUNT_CAP},
        section="classification",
    )


@settings_required
@require_http_methods(["GET", "POST"])
def tag_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    action = request.POST.get("action", "")
    rename = TagRenameForm(request.POST if action == "rename" else None, initial={"name": tag.name})
    merge = TagMergeForm(request.POST if action == "merge" else None, tag=tag)
    actor = current_user(request)
    try:
        if action == "rename" and rename.is_valid():
            classification.rename_tag(actor=actor, tag=tag, name=rename.cleaned_data["name"])
            messages.success(request, _("The tag is now “%(n)s”.") % {"n": tag.name})
            return redirect("workspace:settings:tags")
        if action == "merge" and merge.is_valid():
            target = merge.cleaned_data["target"]
            gained = classification.merge_tags(actor=actor, source=tag, target=target)
            messages.success(
                request,
                _("“%(a)s” is merged into “%(b)s” (%(n)s tickets gained it).")
                % {"a": tag.name, "b": target.name, "n": gained},
            )
            return redirect("workspace:settings:tags")
        if action == "delete":
            name = tag.name
            classification.delete_tag(actor=actor, tag=tag)
            messages.success(request, _("The tag “%(n)s” is deleted.") % {"n": name})
            return redirect("workspace:settings:tags")
    except DomainError as error:
        form = merge if action == "merge" else rename
        for name, errors in error.fields.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
        if not error.fields:
            form.add_error(None, error.message)
    return render_settings(
        request,
        "workspace/settings/tag_form.html",
        {
            "tag": tag,
            "rename": rename,
            "merge": merge,
            "ticket_count": tag.tickets.count(),  # one tag: an index range
        },
        section="classification",
        status=400 if request.method == "POST" else 200,
    )
