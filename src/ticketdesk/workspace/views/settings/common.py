"""What every Settings page shares: the policy check and the sections of the navigation."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ticketdesk.accounts import policy
from ticketdesk.core.errors import DomainError, PermissionDenied
from ticketdesk.core.views import render_domain_error

from ..common import is_htmx, staff_required

# (url name, title): the sections in the Settings navigation, in order
SECTIONS = [
    ("workspace:settings:index", gettext_lazy("Overview")),
    ("workspace:settings:fields", gettext_lazy("Ticket forms")),
    ("workspace:settings:workflow", gettext_lazy("Workflow")),
    ("workspace:settings:sla", gettext_lazy("SLA")),
    ("workspace:settings:priorities", gettext_lazy("Priority matrix")),
    ("workspace:settings:teams", gettext_lazy("Teams")),
    ("workspace:settings:agents", gettext_lazy("Agents")),
    ("workspace:settings:classification", gettext_lazy("Classification")),
    ("workspace:settings:channels", gettext_lazy("Channels")),
    ("workspace:settings:integrations", gettext_lazy("Integrations")),
]


def settings_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Staff members who may manage the settings (admins); others get the 403 page."""

    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not policy.can(request.user, policy.MANAGE_SETTINGS):
            return render_domain_error(
                request, PermissionDenied(_("Only administrators change the settings."))
            )
        return view(request, *args, **kwargs)

    return wrapper


def render_settings(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    section: str,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "page_nav": "settings",
            "settings_section": section,
            "settings_sections": SECTIONS,
            "is_htmx": is_htmx(request),
            **context,
        },
        status=status,
    )


def place_errors(form: forms.BaseForm, error: DomainError) -> None:
    """An action's refusal shown on the form: each message by its field (or at the top)."""
    for name, errors in error.fields.items():
        for message in errors:
            form.add_error(name if name in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)


COUNT_CAP = 1000  # lists of settings rows say "more than 1,000 tickets" beyond this


def capped_count(outer: str, table: str, column: str, cap: int | None = None) -> RawSQL:
    """An annotation of `outer`'s rows: how many rows of `table` have `column` = the row's
    id, counted up to
    `cap` + 1 only (an index range of at most that many entries per row shown), so a list
    of categories or tags costs the same at a million tickets as at a hundred."""
    cap = COUNT_CAP if cap is None else cap
    return RawSQL(  # noqa: S611 - table and column names come from our models, never input
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} AS counted "  # noqa: S608 - model names
        f"WHERE counted.{column} = {outer}.id LIMIT {int(cap) + 1}) AS capped",
        [],
    )
