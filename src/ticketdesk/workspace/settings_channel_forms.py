"""Forms of the Settings' channels section: the portal's access and defaults, the sites that
may embed the chat widget, and a messaging account (its tokens are write-only boxes: never
shown back). The mailbox form is the email channel's own (`channels.email.forms.MailboxForm`),
the admin's too. The forms parse; the channels' actions validate and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.channels.messaging.models import ChannelAccount
from ticketdesk.portal.models import PortalSettings


def _https_urls(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class PortalForm(forms.ModelForm):
    class Meta:
        model = PortalSettings
        fields = [
            "brand_name",
            "welcome_text",
            "signup_mode",
            "allowed_domains",
            "allow_guest_tickets",
            "embed_enabled",
            "csat_enabled",
            "csat_scale",
            "default_team",
        ]


class ChannelAccountForm(forms.ModelForm):
    class Meta:
        model = ChannelAccount
        fields = [
            "provider",
            "name",
            "external_id",
            "team",
            "access_token",
            "app_secret",
            "webhook_secret",
            "template_name",
            "template_language",
            "api_base_url",
            "allow_private",
            "active",
        ]
        formfield_callback = _https_urls


class ChatWidgetForm(forms.Form):
    allowed_origins = forms.CharField(
        label=_("Other sites allowed to embed the chat"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(
            attrs={"rows": 5, "spellcheck": "false", "autocapitalize": "off", "translate": "no"}
        ),
        help_text=_(
            "One per line: the scheme, the host name and the port when it is not the usual "
            "one, without a path. For example https://www.example.com or "
            "http://localhost:8080."
        ),
    )
