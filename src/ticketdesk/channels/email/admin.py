from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ticketdesk.audit.configuration import ConfigurationAdmin

from .forms import GENERAL, IMAP, OAUTH2, MailboxForm
from .models import InboundEmail, Mailbox, OutboundEmail


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
