"""The mailbox form (the admin's and the Settings area's): secrets are write-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.core.encryption import KEEP

from .actions import forget_access_token
from .models import AuthMethod, Mailbox

GENERAL = [
    "name",
    "address",
    "team",
    "ticket_type",
    "category",
    "closed_reply_rule",
    "send_acknowledgement",
    "active",
]
IMAP = [
    "imap_host",
    "imap_port",
    "imap_ssl",
    "imap_folder",
    "move_to_folder",
    "imap_user",
    "auth_method",
    "imap_password",
]
OAUTH2 = [
    "oauth2_token_url",
    "oauth2_client_id",
    "oauth2_client_secret",
    "oauth2_refresh_token",
    "oauth2_scopes",
]


def _https_urls(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class MailboxForm(forms.ModelForm):
    """Secrets (encrypted at rest) are never shown back: left empty, the stored value is kept;
    a new one drops the cached OAuth2 access token."""

    class Meta:
        model = Mailbox
        fields = GENERAL + IMAP + OAUTH2
        formfield_callback = _https_urls

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["auth_method"].required = False  # absent: password, as before OAuth2

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("auth_method"):
            data["auth_method"] = AuthMethod.PASSWORD
        if data.get("auth_method") == AuthMethod.OAUTH2:
            for name in ["oauth2_token_url", "oauth2_client_id", "oauth2_refresh_token"]:
                kept = data.get(name) is KEEP and getattr(self.instance, name)
                if not (data.get(name) or kept):
                    self.add_error(name, _("Needed for OAuth2."))
        return data

    def save(self, commit: bool = True) -> Mailbox:
        """The Django admin's save (the Settings area calls `actions.save_mailbox`)."""
        mailbox: Mailbox = super().save(commit=False)
        forget_access_token(mailbox, self.changed_data)
        if commit:
            mailbox.save()
        return mailbox
