"""Messaging accounts (tokens stored encrypted, shown as write-only boxes), identities, and
the messages that came in and went out (a dead letter can be sent again)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import inbound_queue, outbound
from .models import (
    ChannelAccount,
    Identity,
    InboundMessage,
    InboundStatus,
    OutboundMessage,
    OutboundStatus,
)


@admin.register(ChannelAccount)
class ChannelAccountAdmin(admin.ModelAdmin):
    list_display = ("name", "provider", "external_id", "team", "active", "webhook_path")
    list_filter = ("provider", "active")
    readonly_fields = ("webhook_path",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("webhook URL path"))
    def webhook_path(self, obj: ChannelAccount) -> str:
        return f"/channels/messaging/{obj.webhook_key}/" if obj.pk else ""


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ("external_id", "display_name", "phone", "account", "contact", "last_inbound_at")
    list_filter = ("account",)
    search_fields = ("external_id", "display_name", "phone", "contact__email")
    raw_id_fields = ("contact",)
    list_select_related = ("account", "contact")


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """What came in, and how far it got: pending (the worker has it), processed, failed
    (after several attempts; the last error says why) or kept as malformed (a signed
    delivery that could not be read; its body is kept)."""

    list_display = (
        "provider_message_id",
        "account",
        "status",
        "attempts",
        "identity",
        "ticket",
        "received_at",
        "short_error",
    )
    list_filter = ("status", "account")
    search_fields = ("provider_message_id", "sender_id")
    raw_id_fields = ("identity", "ticket", "message")
    list_select_related = ("account", "identity", "identity__account", "ticket")
    readonly_fields = ("body", "last_error", "claim")
    actions = ["process_again"]

    @admin.display(description=_("last error"))
    def short_error(self, obj: InboundMessage) -> str:
        return obj.last_error[:120]

    @admin.action(description=_("Process again"))
    def process_again(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for row in queryset.filter(status=InboundStatus.FAILED)[:500]:
            inbound_queue.process_again(row)


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "account", "ticket", "kind", "status", "attempts", "created_at")
    list_filter = ("status", "kind", "account")
    raw_id_fields = ("identity", "ticket", "message")
    list_select_related = ("account", "ticket")
    actions = ["send_again"]

    @admin.action(description=_("Send again"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for row in queryset.filter(status=OutboundStatus.FAILED)[:500]:
            outbound.retry_now(row, actor=request.user)
