"""The form builder: the custom fields of each ticket type's form, added, edited,
reordered (drag and drop, or the up and down buttons), switched off, grouped into named
sections, with a live preview of the agent's form and the customer's (portal) form side by
side."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ticketdesk.core.errors import DomainError
from ticketdesk.tickets import custom_fields, settings_queries
from ticketdesk.tickets.actions import configuration
from ticketdesk.tickets.models import (
    AGENT_ONLY_TYPES,
    CustomFieldDefinition,
    FieldSection,
    FieldType,
    TicketType,
)

from ...forms import _custom_field
from ...settings_forms import CustomFieldForm, FieldSectionForm
from ..common import current_user, is_htmx
from .common import render_settings, settings_required


def _chosen_type(request: HttpRequest, types: list[TicketType]) -> TicketType | None:
    key = request.POST.get("type") or request.GET.get("type") or ""
    return next((t for t in types if t.key == key), types[0] if types else None)


def _list_context(request: HttpRequest) -> dict[str, Any]:
    types = settings_queries.ticket_types()
    chosen = _chosen_type(request, types)
    definitions = list(settings_queries.form_fields(chosen))
    return {
        "types": types,
        "chosen": chosen,
        "definitions": definitions,
        "sections": [
            (section, FieldSectionForm(section=section, auto_id=f"id_section{section.pk}_%s"))
            for section in FieldSection.objects.all()
        ],
        "section_form": FieldSectionForm(auto_id="id_new_section_%s"),
    }


def _list_response(request: HttpRequest) -> HttpResponse:
    context = _list_context(request)
    if not is_htmx(request):
        query = f"?type={context['chosen'].key}" if context["chosen"] else ""
        return redirect(reverse("workspace:settings:fields") + query)
    response = render_settings(
        request, "workspace/settings/fields_list.html", context, section="fields"
    )
    response["HX-Trigger"] = "fields-changed"
    return response


@settings_required
@require_GET
def fields(request: HttpRequest) -> HttpResponse:
    context = _list_context(request)
    context.update(previews([d for d in context["definitions"] if d.active]))
    return render_settings(request, "workspace/settings/fields.html", context, section="fields")


def preview_fields(
    definitions: list[CustomFieldDefinition], prefix: str = "preview"
) -> list[dict[str, Any]]:
    """The fields as a form draws them, grouped by section: [{"section", "rows"}], each row
    a field with what the form does not show (its rules)."""
    form = forms.Form(prefix=prefix)
    for definition in definitions:
        form.fields[f"cf_{definition.key}"] = _custom_field(definition)
    return [
        {
            "section": section,
            "rows": [
                {"definition": d, "field": form[f"cf_{d.key}"], **_file_rules(d)} for d in inside
            ],
        }
        for section, inside in custom_fields.group_by_section(definitions)
    ]


def _file_rules(definition: CustomFieldDefinition) -> dict[str, Any]:
    if definition.field_type != FieldType.FILE:
        return {}
    return {
        "file_types": ", ".join(custom_fields.file_type_rules(definition.allowed_file_types)),
        "file_limit": custom_fields.file_size_limit(definition),
    }


def previews(definitions: list[CustomFieldDefinition]) -> dict[str, Any]:
    """The agent's form (every field) and the customer's form in the portal (the fields
    asked there), for the side-by-side preview."""
    asked = [
        d for d in definitions if d.visible_to_customers and d.field_type not in AGENT_ONLY_TYPES
    ]
    return {
        "preview": preview_fields(definitions, "agent"),
        "portal_preview": preview_fields(asked, "portal"),
    }


@settings_required
@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest) -> HttpResponse:
    """The agent's form of a type; on POST, with the field being edited as typed so far."""
    types = settings_queries.ticket_types()
    chosen = _chosen_type(request, types)
    definitions = [d for d in settings_queries.form_fields(chosen) if d.active]
    if request.method == "POST":
        editing = _unsaved_definition(request)
        if editing is not None:
            edited_pk = request.POST.get("pk") or ""
            place = next((i for i, d in enumerate(definitions) if str(d.pk) == edited_pk), None)
            if place is None:
                definitions.append(editing)
            else:
                definitions[place] = editing
    return render_settings(
        request,
        "workspace/settings/preview.html",
        {**previews(definitions), "chosen": chosen},
        section="fields",
    )


def _unsaved_definition(request: HttpRequest) -> CustomFieldDefinition | None:
    form = CustomFieldForm(request.POST)
    if not form.is_valid():
        return None
    spec = form.spec()
    definition = CustomFieldDefinition(
        key=spec.key or "preview",
        label=spec.label,
        field_type=spec.field_type,
        choices=spec.choices,
        required=spec.required,
        help_text=spec.help_text,
        pattern=spec.pattern,
        min_value=spec.min_value,
        max_value=spec.max_value,
        min_length=spec.min_length,
        max_length=spec.max_length,
        show_when_category=spec.show_when_category,
        visible_to_customers=spec.visible_to_customers,
        translations=spec.translations,
        section=spec.section,
        allowed_file_types=spec.allowed_file_types,
        max_file_bytes=spec.max_file_bytes,
    )
    if definition.field_type in AGENT_ONLY_TYPES:
        definition.visible_to_customers = False
    return definition


def _edit(
    request: HttpRequest, definition: CustomFieldDefinition | None, initial: dict[str, Any]
) -> HttpResponse:
    types = settings_queries.ticket_types()
    chosen = _chosen_type(request, types)
    extra = {"initial": initial} if initial else {}
    form = CustomFieldForm(request.POST or None, definition=definition, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            saved = configuration.save_custom_field(
                actor=current_user(request), spec=form.spec(), definition=definition
            )
        except DomainError as error:
            for name, errors in error.fields.items():
                for message in errors:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("The field “%(f)s” is saved.") % {"f": saved.label})
            if form.ignored:
                messages.info(
                    request,
                    _("Not used by this type of field, so not kept: %(names)s.")
                    % {"names": ", ".join(form.ignored)},
                )
            query = f"?type={chosen.key}" if chosen else ""
            return redirect(reverse("workspace:settings:fields") + query)
    return render_settings(
        request,
        "workspace/settings/field_form.html",
        {
            "form": form,
            "definition": definition,
            "chosen": chosen,
            **previews([d for d in settings_queries.form_fields(chosen) if d.active]),
        },
        section="fields",
        status=400 if request.method == "POST" else 200,
    )


@settings_required
@require_http_methods(["GET", "POST"])
def field_new(request: HttpRequest) -> HttpResponse:
    types = settings_queries.ticket_types()
    chosen = _chosen_type(request, types)
    initial = {"visible_to_customers": True, "field_type": "text"}
    if chosen is not None and request.GET.get("type"):
        initial["ticket_types"] = [chosen.pk]
    return _edit(request, None, initial)


@settings_required
@require_http_methods(["GET", "POST"])
def field_edit(request: HttpRequest, pk: int) -> HttpResponse:
    definition = get_object_or_404(CustomFieldDefinition, pk=pk)
    return _edit(request, definition, {})


@settings_required
@require_POST
def field_move(request: HttpRequest, pk: int) -> HttpResponse:
    context = _list_context(request)
    ids = [d.pk for d in context["definitions"]]
    if pk in ids:
        at = ids.index(pk)
        to = at - 1 if request.POST.get("direction") == "up" else at + 1
        if 0 <= to < len(ids):
            ids[at], ids[to] = ids[to], ids[at]
            configuration.reorder_custom_fields(actor=current_user(request), ordered_ids=ids)
    return _list_response(request)


@settings_required
@require_POST
def fields_order(request: HttpRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit() and len(v) < 12]
    configuration.reorder_custom_fields(actor=current_user(request), ordered_ids=ids)
    return _list_response(request)


@settings_required
@require_POST
def field_active(request: HttpRequest, pk: int) -> HttpResponse:
    definition = get_object_or_404(CustomFieldDefinition, pk=pk)
    configuration.set_custom_field_active(
        actor=current_user(request),
        definition=definition,
        active=request.POST.get("active") == "1",
    )
    return _list_response(request)


@settings_required
@require_POST
def sections(request: HttpRequest) -> HttpResponse:
    """The sections of the ticket form: add (no `section`), rename, move up or down, remove.
    One endpoint, the verb in `do`, the section's id in `section`."""
    actor = current_user(request)
    verb = request.POST.get("do") or "save"
    raw_id = request.POST.get("section") or ""
    section = (
        get_object_or_404(FieldSection, pk=int(raw_id))
        if raw_id.isdigit() and len(raw_id) < 12
        else None
    )
    if section is not None and verb in ("up", "down"):
        configuration.move_field_section(actor=actor, section=section, up=verb == "up")
    elif section is not None and verb == "delete":
        configuration.delete_field_section(actor=actor, section=section)
        messages.success(request, _("The section “%(s)s” is removed.") % {"s": section.name})
    else:
        form = FieldSectionForm(request.POST, section=section)
        error = _("Give the section a name.")
        if form.is_valid():
            try:
                saved = configuration.save_field_section(
                    actor=actor,
                    name=form.cleaned_data["name"],
                    translations=form.translations(),
                    section=section,
                )
            except DomainError as failure:
                error = " ".join(m for ms in failure.fields.values() for m in ms) or str(failure)
            else:
                messages.success(request, _("The section “%(s)s” is saved.") % {"s": saved.name})
                error = ""
        if error:
            messages.error(request, error)
    query = f"?type={request.POST['type']}" if request.POST.get("type") else ""
    return redirect(reverse("workspace:settings:fields") + query + "#sections")
