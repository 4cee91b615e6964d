"""The priority matrix editor: the priority of each urgency × impact pair."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ticketdesk.core.errors import DomainError
from ticketdesk.tickets import priority as priority_matrix
from ticketdesk.tickets.actions import configuration
from ticketdesk.tickets.models import Level

from ..common import current_user
from .common import render_settings, settings_required


def _cells(request: HttpRequest) -> dict[tuple[int, int], int]:
    cells = {}
    for urgency in Level.values:
        for impact in Level.values:
            raw = request.POST.get(f"cell_{urgency}_{impact}", "")
            cells[(urgency, impact)] = int(raw) if raw.isdigit() and len(raw) < 3 else 0
    return cells


@settings_required
@require_http_methods(["GET", "POST"])
def priorities(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            changed = configuration.set_priority_matrix(
                actor=current_user(request), cells=_cells(request)
            )
        except DomainError as failure:
            error = failure
        else:
            messages.success(
                request, _("The priority matrix is saved: %(n)s cells changed.") % {"n": changed}
            )
            return redirect("workspace:settings:priorities")
    matrix = priority_matrix.matrix()
    levels = list(reversed(Level.choices))  # critical first, as people read a risk grid
    rows = [
        (
            urgency,
            label,
            [(impact, impact_label, matrix[(urgency, impact)]) for impact, impact_label in levels],
        )
        for urgency, label in levels
    ]
    return render_settings(
        request,
        "workspace/settings/priorities.html",
        {"rows": rows, "levels": levels, "error": error},
        section="priorities",
        status=400 if error else 200,
    )
