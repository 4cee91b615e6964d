"""The integrations section: chat notification targets (Slack, Teams, Mattermost,
Rocket.Chat incoming webhooks) and outgoing signed-JSON webhooks: list, add, edit, switch on
or off, and send a test delivery (through the webhook sender, never inside a transaction).
A new JSON endpoint's signing secret is shown once; secrets are never shown back. Saves go
through `notifications.endpoints` (policy, checks, the configuration change log)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ticketdesk.audit import log
from ticketdesk.core.errors import DomainError
from ticketdesk.notifications import endpoints, outgoing, webhook_trial, webhooks
from ticketdesk.notifications.forms import WebhookEndpointForm
from ticketdesk.notifications.models import EndpointFormat, WebhookDelivery, WebhookEndpoint

from ..common import current_user, is_htmx
from .common import place_errors, render_settings, settings_required

SECTION = "integrations"


@settings_required
@require_GET
def integrations(request: HttpRequest) -> HttpResponse:
    endpoints = list(WebhookEndpoint.objects.select_related("team").order_by("name", "id"))
    return render_settings(
        request,
        "workspace/settings/integrations.html",
        {
            "chat_targets": [e for e in endpoints if e.format != EndpointFormat.JSON],
            "webhooks": [e for e in endpoints if e.format == EndpointFormat.JSON],
        },
        section=SECTION,
    )


@settings_required
@require_http_methods(["GET", "POST"])
def endpoint_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk) if pk else None
    initial = {}
    if endpoint is None and request.GET.get("format") in EndpointFormat.values:
        initial["format"] = request.GET["format"]
    form = WebhookEndpointForm(request.POST or None, instance=endpoint, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with log.via("settings"):
                saved, new_secret = endpoints.save_endpoint(
                    actor=current_user(request), values=form.cleaned_data, endpoint=endpoint
                )
        except DomainError as error:
            place_errors(form, error)
        else:
            if new_secret:
                messages.info(
                    request,
                    _("Signing secret (copy it now, it is not shown again): %(secret)s")
                    % {"secret": new_secret},
                )
            messages.success(request, _("“%(n)s” is saved.") % {"n": saved.name})
            return redirect("workspace:settings:endpoint_edit", pk=saved.pk)
    return render_settings(
        request,
        "workspace/settings/endpoint_form.html",
        {"form": form, "endpoint": endpoint, "recent": _recent(endpoint)},
        section=SECTION,
        status=400 if request.method == "POST" else 200,
    )


def _recent(endpoint: WebhookEndpoint | None) -> list[WebhookDelivery]:
    if endpoint is None:
        return []
    return list(
        WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")[:10]
    )


@settings_required
@require_POST
def endpoint_active(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    active = request.POST.get("active") == "1"
    with log.via("settings"):
        webhooks.set_active(endpoint, active, actor=current_user(request))
    if active:
        messages.success(request, _("“%(n)s” is switched on.") % {"n": endpoint.name})
    else:
        messages.success(request, _("“%(n)s” is switched off.") % {"n": endpoint.name})
    return redirect("workspace:settings:integrations")


@settings_required
@require_POST
def endpoint_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a test event now and show what the receiver answered."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    delivery = webhook_trial.send_test(endpoint, actor=current_user(request))
    reason = outgoing.plain_failure(delivery.error)
    context = {"delivery": delivery, "endpoint": endpoint, "reason": reason}
    if is_htmx(request):
        return render_settings(
            request, "workspace/settings/endpoint_test.html", context, section=SECTION
        )
    return render_settings(
        request,
        "workspace/settings/endpoint_form.html",
        {**context, "form": WebhookEndpointForm(instance=endpoint), "recent": _recent(endpoint)},
        section=SECTION,
    )
