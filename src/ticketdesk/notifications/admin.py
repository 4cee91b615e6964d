"""Admin pages: webhook and chat endpoints (with the SSRF check), the delivery log with
"redeliver", and in-app notifications."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ticketdesk.audit.configuration import ConfigurationAdmin
from ticketdesk.core import clock

from . import webhooks
from .forms import WebhookEndpointForm
from .models import Notification, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ConfigurationAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "format", "active", "failure_count", "disabled_reason"]
    list_filter = ["active", "format"]
    readonly_fields = [
        "secret_state",
        "failure_count",
        "disabled_reason",
        "created_at",
        "created_by",
    ]
    actions = ["reactivate"]

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool
    ) -> None:
        if not change:
            obj.created_at = clock.now()
            obj.created_by = request.user  # type: ignore[assignment]
            if obj.format == "json" and not obj.secret:
                import secrets

                obj.secret = secrets.token_hex(24)
                # shown once; stored encrypted and never displayed again (issue 19)
                messages.info(
                    request,
                    _("Signing secret (copy it now, it is not shown again): %(secret)s")
                    % {"secret": obj.secret},
                )
        super().save_model(request, obj, form, change)

    @admin.display(description=_("signing secret"))
    def secret_state(self, obj: WebhookEndpoint) -> str:
        return str(_("•••• set")) if obj.secret else "—"

    @admin.action(description=_("Re-enable (reset the failure count)"))
    def reactivate(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            webhooks.reactivate(endpoint, actor=request.user)
        messages.success(request, _("Re-enabled."))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "endpoint",
        "topic",
        "status",
        "attempt",
        "response_status",
        "duration_ms",
        "next_retry_at",
    ]
    list_filter = ["status", "topic", "endpoint"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["redeliver"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Redeliver"))
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        for delivery in queryset.select_related("endpoint"):
            webhooks.redeliver(delivery, actor=request.user)
        messages.success(request, _("Queued again."))


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "verb", "ticket", "read_at", "emailed_at"]
    list_filter = ["verb"]
    raw_id_fields = ["recipient", "ticket", "actor"]
