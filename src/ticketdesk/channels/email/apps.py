from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

POLL_EVERY_SECONDS = 60


class EmailChannelConfig(AppConfig):
    name = "ticketdesk.channels.email"
    label = "email_channel"
    verbose_name = _("Email channel")

    def ready(self) -> None:
        from ticketdesk.core.config_cache import invalidate_on_change
        from ticketdesk.core.scheduler import register_periodic

        from . import outbound  # noqa: F401  (registers the outbox consumer)
        from .models import Mailbox
        from .tasks import poll_mailboxes

        # ingest reads the mailboxes from the configuration cache; polling and token
        # refreshes write their own state only and keep it
        invalidate_on_change(
            Mailbox,
            ignore_fields=(
                "last_polled_at",
                "last_error",
                "oauth2_access_token",
                "oauth2_access_token_expires_at",
                "oauth2_refresh_token",
            ),
        )

        register_periodic("email.poll_mailboxes", poll_mailboxes, POLL_EVERY_SECONDS)
