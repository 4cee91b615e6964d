from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ticketdesk.audit.configuration import ConfigurationAdmin
from ticketdesk.core.encryption import KEEP

from .models import AuthMethod, InboundEmail, Mailbox, OutboundEmail

SECRETS = ["imap_password", "oauth2_client_secret", "oauth2_refresh_token"]
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


class MailboxForm(forms.ModelForm):
    """Secrets (encrypted at rest) are never shown back: left empty, the stored value is kept;
    a new one drops the cached OAuth2 access token."""

    class Meta:
        model = Mailbox
        fields = GENERAL + IMAP + OAUTH2

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
        mailbox: Mailbox = super().save(commit=False)
        if self.instance.pk and any(name in self.changed_data for name in SECRETS):
            # new credentials: the cached access token may belong to the old ones
            mailbox.oauth2_access_token = ""
            mailbox.oauth2_access_token_expires_at = None
        if commit:
            mailbox.save()
        return mailbox


@admin.register(Mailbox)
class MailboxAdmin(ConfigurationAdmin):
    form = MailboxForm
    fieldsets = [
        (None, {"fields": [*GENERAL]}),
        (_("IMAP"), {"fields": [*IMAP, "last_polled_at", "last_error"]}),
        (_("OAuth2"), {"fields": [*OAUTH2]}),
    ]
    list_display = ["address", "name", "team", "imap_host", "closed_reply_rule", "active"]
    list_filter = ["active", "closed_reply_rule"]
    search_fields = ["address", "name"]
    readonly_fields = ["last_polled_at", "last_error"]


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "from_address", "subject", "state", "thread_reason", "ticket"]
    list_filter = ["state", "source", "thread_reason"]
    search_fields = ["email_message_id", "from_address", "subject"]
    exclude = ["raw"]
    raw_id_fields = ["ticket", "message", "duplicate_of", "mailbox"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "recipients", "subject", "sent_at", "bounced_at"]
    list_filter = ["kind"]
    search_fields = ["email_message_id", "recipients", "subject"]
    raw_id_fields = ["ticket", "message", "mailbox", "mail"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
