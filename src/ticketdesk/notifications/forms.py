"""The webhook and chat endpoint form (the admin's and the Settings area's): the URL passes
the SSRF check before it is saved."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ticketdesk.core.errors import DomainError

from . import webhooks
from .models import WebhookEndpoint
from .outgoing import resolve_destination


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(t, t) for t in webhooks.TOPICS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None checked: every ticket, message, SLA and CSAT event."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "format", "events", "team", "active", "allow_private"]

    url = forms.URLField(label=_("URL"), max_length=1000, assume_scheme="https")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        url = data.get("url")
        if url:
            try:
                resolve_destination(url, allow_private=bool(data.get("allow_private")))
            except DomainError as exc:
                self.add_error("url", str(exc.message))
        return data
