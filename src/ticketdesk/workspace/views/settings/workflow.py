"""The workflow editor: statuses (name, category, translations, on or off) and the allowed
moves between them, as a matrix of checkboxes and as a diagram."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ticketdesk.core.errors import DomainError
from ticketdesk.tickets import settings_queries
from ticketdesk.tickets import workflow as ticket_workflow
from ticketdesk.tickets.actions import configuration
from ticketdesk.tickets.models import Status, Transition

from ...settings_forms import StatusForm, TransitionForm
from ..common import current_user
from . import diagram
from .common import render_settings, settings_required


@settings_required
@require_GET
def workflow(request: HttpRequest) -> HttpResponse:
    statuses = settings_queries.statuses()
    pairs = settings_queries.transition_pairs()
    transitions = settings_queries.transitions()
    types = settings_queries.ticket_types()
    shown_type = next((t for t in types if t.key == request.GET.get("type", "")), None)
    # the diagram of one type: the moves limited to other types are left out
    shown_pairs = {
        (t.from_status_id, t.to_status_id)
        for t in transitions
        if shown_type is None or not t.ticket_types.all() or shown_type in t.ticket_types.all()
    }
    matrix = [
        (
            source,
            [
                (target, f"{source.pk}-{target.pk}", (source.pk, target.pk) in pairs)
                for target in statuses
            ],
        )
        for source in statuses
    ]
    labels = dict(ticket_workflow.requirement_choices())
    moves = [
        (t, [labels.get(key, key) for key in t.required_fields or []], list(t.ticket_types.all()))
        for t in transitions
    ]
    return render_settings(
        request,
        "workspace/settings/workflow.html",
        {
            "statuses": statuses,
            "matrix": matrix,
            "moves": moves,
            "diagram": diagram.layout(statuses, shown_pairs),
            "types": types,
            "shown_type": shown_type,
        },
        section="workflow",
    )


def _pairs(values: list[str]) -> set[tuple[int, int]]:
    pairs = set()
    for value in values:
        source, _dash, target = value.partition("-")
        if source.isdigit() and target.isdigit() and len(source) < 12 and len(target) < 12:
            pairs.add((int(source), int(target)))
    return pairs


@settings_required
@require_POST
def transitions(request: HttpRequest) -> HttpResponse:
    added, removed = configuration.set_transitions(
        actor=current_user(request), pairs=_pairs(request.POST.getlist("move"))
    )
    messages.success(
        request,
        _("The workflow is saved: %(a)s moves added, %(r)s removed.") % {"a": added, "r": removed},
    )
    return redirect("workspace:settings:workflow")


def _edit(request: HttpRequest, status: Status | None) -> HttpResponse:
    form = StatusForm(request.POST or None, status=status)
    if request.method == "POST" and form.is_valid():
        try:
            saved = configuration.save_status(
                actor=current_user(request), spec=form.spec(), status=status
            )
        except DomainError as error:
            for name, errors in error.fields.items():
                for message in errors:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("The status “%(s)s” is saved.") % {"s": saved.name})
            return redirect("workspace:settings:workflow")
    return render_settings(
        request,
        "workspace/settings/status_form.html",
        {"form": form, "status": status},
        section="workflow",
        status=400 if request.method == "POST" else 200,
    )


@settings_required
@require_http_methods(["GET", "POST"])
def status_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@settings_required
@require_http_methods(["GET", "POST"])
def status_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(Status, pk=pk))


@settings_required
@require_http_methods(["GET", "POST"])
def transition_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """What one move requires before an agent takes it."""
    transition = get_object_or_404(
        Transition.objects.select_related("from_status", "to_status"), pk=pk
    )
    form = TransitionForm(request.POST or None, transition=transition)
    if request.method == "POST" and form.is_valid():
        try:
            configuration.save_transition_rules(
                actor=current_user(request),
                transition=transition,
                required_fields=form.cleaned_data["required_fields"],
                ticket_types=list(form.cleaned_data["ticket_types"]),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("The move from “%(a)s” to “%(b)s” is saved.")
                % {
                    "a": transition.from_status.translated(),
                    "b": transition.to_status.translated(),
                },
            )
            return redirect("workspace:settings:workflow")
    return render_settings(
        request,
        "workspace/settings/transition_form.html",
        {"form": form, "transition": transition},
        section="workflow",
        status=400 if request.method == "POST" else 200,
    )
