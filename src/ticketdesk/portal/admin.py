from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from ticketdesk.audit.configuration import ConfigurationAdmin

from . import actions, emails, tokens
from .models import (
    DeflectionEvent,
    Invitation,
    PortalSettings,
    SatisfactionRating,
)


@admin.register(PortalSettings)
class PortalSettingsAdmin(ConfigurationAdmin):
    """A singleton: the list view goes straight to the one row."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    fieldsets = (
        (
            "Branding",
            {"fields": ("brand_name", "logo_url", "primary_color", "header_color", "welcome_text")},
        ),
        (
            "Access",
            {"fields": ("signup_mode", "allowed_domains", "allow_guest_tickets", "embed_enabled")},
        ),
        ("Satisfaction", {"fields": ("csat_enabled", "csat_scale")}),
        ("Routing", {"fields": ("default_team",)}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):  # type: ignore[override]
        settings = PortalSettings.current()
        return HttpResponseRedirect(
            reverse("admin:portal_portalsettings_change", args=[settings.pk])
        )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Adding an invitation e-mails the sign-up link (needed when sign-up is by invitation)."""

    list_display = ("email", "invited_by", "created_at", "accepted_at")
    search_fields = ("email",)
    fields = ("email",)

    def save_model(self, request: HttpRequest, obj: Invitation, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        invitation = actions.invite(obj.email, actor=request.user)  # type: ignore[arg-type]
        obj.pk = invitation.pk
        link = emails.absolute(
            reverse("portal:signup")
            + "?invite="
            + tokens.invite_token(invitation.pk, invitation.email)
        )
        emails.send_invitation(invitation.email, link)


@admin.register(DeflectionEvent)
class DeflectionEventAdmin(admin.ModelAdmin):
    list_display = ("article", "query", "outcome", "ticket", "created_at")
    list_filter = ("outcome",)


@admin.register(SatisfactionRating)
class SatisfactionRatingAdmin(admin.ModelAdmin):
    list_display = ("ticket", "score", "scale", "comment", "created_at")
    list_filter = ("scale", "score")
    raw_id_fields = ("ticket", "contact")
