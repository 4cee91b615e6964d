"""The rule and macro builders' rows: pickers instead of free text, and the htmx endpoints
that redraw one row when its field, operator or action changes, add a row, or remove one.

A condition's value is chosen from a list when the field has known values (teams, agents,
statuses, categories, types, levels, channels, a custom field's choices, the agents for a
custom field of type "user"): one value for "is", several for "is one of". A custom field of
type "asset" is chosen by searching the inventory (a search box that redraws the list with
the first matches; the whole inventory is never loaded). An action's target and value are
chosen the same way (the field to set and its new value, the team and agent to assign, the
canned response)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Team
from ticketdesk.assets import queries as asset_queries
from ticketdesk.core.errors import PermissionDenied
from ticketdesk.tickets import custom_fields
from ticketdesk.tickets.models import CannedResponse, CustomFieldDefinition, FieldType

from . import fields, forms, placeholders, queries, steps

MULTI_OPERATORS = {"in", "not_in"}
FREE_OPERATORS = {"contains", "not_contains", "gt", "lt", "changed"}
PREFIX = re.compile(r"^(cond|step)-(\d{1,2})$")
VALUE_NAME = re.compile(r"^cond-\d{1,2}-value$")  # the select an asset search fills
MAX_CHOSEN = 50  # values of one "is one of" condition named at once
RECIPIENTS = ("requester", "cc", "assignee", "team", "team_leads", "watchers")


@dataclass
class Picker:
    options: list[tuple[str, str]]
    multiple: bool = False
    selected: set[str] = field(default_factory=set)
    # a list too long to offer whole (the inventory): the options are the chosen values,
    # and a search box asks this URL for more
    search_url: str = ""


def _chosen(value: str, multiple: bool) -> list[str]:
    chosen = [v.strip() for v in value.split(",")] if multiple else [value.strip()]
    return [v for v in chosen if v]


def _picker(options: list[tuple[str, str]], value: str, *, multiple: bool = False) -> Picker:
    chosen = _chosen(value, multiple)
    known = {v for v, _label in options}
    extra = [(v, v) for v in chosen if v not in known]  # a stored value the list lacks
    return Picker(options=[*extra, *options], multiple=multiple, selected=set(chosen))


def _asset_names(ids: list[str]) -> list[tuple[str, str]]:
    """(id, name) of the chosen inventory items (their ids as text where none is known)."""
    found = []
    for value in ids[:MAX_CHOSEN]:
        pk = int(value) if value.isdigit() and len(value) < 12 else None
        found.append((value, custom_fields.reference_name(FieldType.ASSET, pk) or value))
    return found


def _custom_picker(key: str, value: str, *, multiple: bool) -> Picker | None:
    """A custom field's values: its choices, the desk's agents (type "user": the values
    are their ids) or a search of the inventory (type "asset": the item's id)."""
    definition = CustomFieldDefinition.objects.filter(key=key, active=True).first()
    if definition is None:
        return None
    if definition.field_type == FieldType.ASSET:
        picker = _picker(_asset_names(_chosen(value, multiple)), value, multiple=multiple)
        picker.search_url = reverse("automation:builder_assets")
        return picker
    if definition.field_type == FieldType.USER:
        options = [(str(pk), name) for pk, name in custom_fields.desk_agents()]
    else:
        options = definition.choice_options()
    return _picker(options, value, multiple=multiple) if options else None


def condition_picker(row: Any, suggestions: dict[str, list[tuple[str, str]]]) -> Picker | None:
    key = str(row["field"].value() or "")
    operator = str(row["operator"].value() or "is")
    if not key or operator in FREE_OPERATORS:
        return None
    value = str(row["value"].value() or "")
    multiple = operator in MULTI_OPERATORS
    if key.startswith(fields.CUSTOM_PREFIX):
        return _custom_picker(key[len(fields.CUSTOM_PREFIX) :], value, multiple=multiple)
    options = suggestions.get(key) or []
    if not options:
        return None
    return _picker(options, value, multiple=multiple)


def step_pickers(row: Any, suggestions: dict[str, list[tuple[str, str]]]) -> tuple[Any, Any]:
    """(target picker, value picker) of an action row; None where the text is free."""
    kind = str(row["type"].value() or "")
    target = str(row["target"].value() or "")
    value = str(row["value"].value() or "")
    if kind == "set_field":
        target_options = [(k, str(label)) for k, label in steps.SETTABLE_FIELDS.items()]
        values = suggestions.get(target) or []
        return _picker(target_options, target), (_picker(values, value) if values else None)
    if kind == "assign":
        teams = [("", str(_("Its own team")))]
        teams += [
            (name, name)
            for name in Team.objects.order_by("name").values_list("name", flat=True)[:200]
        ]
        agents = [("", str(_("Nobody (unassign)"))), *suggestions.get("agents", [])]
        return _picker(teams, target), _picker(agents, value)
    if kind == "canned":
        titles = CannedResponse.objects.filter(shared=True).order_by("title")
        options = [(t, t) for t in titles.values_list("title", flat=True)[:200]]
        return None, _picker(options, value)
    return None, None


def decorate(
    condition_rows: Any,
    step_rows: Any,
    suggestions: dict[str, list[tuple[str, str]]] | None = None,
) -> None:
    """Attach the pickers to each row of the formsets (one read of the known values)."""
    if suggestions is None:
        suggestions = queries.value_suggestions()
    for row in condition_rows or []:
        row.value_picker = condition_picker(row, suggestions)
    for row in step_rows or []:
        row.target_picker, row.value_picker = step_pickers(row, suggestions)


def row_form(
    formset_class: Any, base: str, index: int, *, initial: dict[str, Any], **kwargs: Any
) -> Any:
    """One row of a formset, as the formset itself would build it (prefix, extra fields)."""
    formset = formset_class(prefix=base, form_kwargs=kwargs)
    form = formset.form(
        initial=initial,
        auto_id=formset.auto_id,
        prefix=formset.add_prefix(index),
        use_required_attribute=False,
        **formset.get_form_kwargs(index),
    )
    formset.add_fields(form, index)
    return form


def _may_build(user: Any) -> bool:
    return policy.can(user, policy.ADMINISTER) or policy.can(user, policy.CREATE_MACRO)


@require_GET
def asset_options(request: HttpRequest) -> HttpResponse:
    """The options of an asset picker: the items chosen so far (the values of the select
    named `select`), then the first items whose name or identifier matches `q` (bounded;
    never the whole inventory)."""
    if not _may_build(request.user):
        raise PermissionDenied(gettext("Only administrators may build rules."))
    select = request.GET.get("select", "")
    values = request.GET.getlist(select) if VALUE_NAME.match(select) else []
    chosen = [v for v in values if v.isdigit() and len(v) < 12][:MAX_CHOSEN]
    options = _asset_names(chosen)
    for item in asset_queries.linkable_items(request.user, request.GET.get("q", "")):
        if str(item.pk) not in chosen:
            options.append((str(item.pk), str(item)))
    return render(
        request,
        "automation/_picker_options.html",
        {
            "picker": Picker(
                options=options,
                multiple=request.GET.get("multiple") == "1",
                selected=set(chosen),
            )
        },
    )


@require_GET
def row(request: HttpRequest) -> HttpResponse:
    """A condition or action row, redrawn from the values it has (`prefix`: cond-3,
    step-0); `remove=1` answers the row as removed (hidden, marked for deletion)."""
    if not _may_build(request.user):
        raise PermissionDenied(gettext("Only administrators may build rules."))
    found = PREFIX.match(request.GET.get("prefix", ""))
    if found is None:
        return HttpResponseBadRequest("prefix")
    base, index = found.group(1), int(found.group(2))
    prefix = found.group(0)
    if request.GET.get("remove"):
        return render(request, "automation/_removed_row.html", {"prefix": prefix})
    # the row's values as typed, drawn unbound (no errors while it is being built)
    initial = {
        name: ", ".join(request.GET.getlist(f"{prefix}-{name}"))
        for name in ("group", "field", "operator", "value", "type", "target", "text")
        if f"{prefix}-{name}" in request.GET
    }
    if base == "cond":
        form = row_form(
            forms.ConditionFormSet,
            base,
            index,
            initial=initial,
            field_choices=fields.field_choices(),
        )
        decorate([form], [])
        template = "automation/_condition_row.html"
    else:
        form = row_form(forms.StepFormSet, base, index, initial=initial)
        decorate([], [form])
        template = "automation/_step_row.html"
    return render(
        request,
        template,
        {"row": form, "placeholders": placeholders.catalogue(), "order": index + 1},
    )


__all__ = ["RECIPIENTS", "asset_options", "decorate", "row"]
