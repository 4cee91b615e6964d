from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "ticketdesk.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from ticketdesk.core import outbox
        from ticketdesk.core.scheduler import register_periodic

        from . import consumers, webhooks  # noqa: F401  (register the outbox consumers)
        from .tasks import send_daily_digests, send_hourly_digests

        outbox.register_sender("webhooks", webhooks.send_due)
        register_periodic("hourly_digests", send_hourly_digests, every_seconds=3600)
        register_periodic("daily_digests", send_daily_digests, every_seconds=86400)
