from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

POLL_EVERY_SECONDS = 60


class EmailChannelConfig(AppConfig):
    name = "ticketdesk.channels.email"
    label = "email_channel"
    verbose_name = _("Email channel")

    def ready(self) -> None:
        from ticketdesk.core.scheduler import register_periodic

        from . import outbound  # noqa: F401  (registers the outbox consumer)
        from .tasks import poll_mailboxes

        register_periodic("email.poll_mailboxes", poll_mailboxes, POLL_EVERY_SECONDS)
