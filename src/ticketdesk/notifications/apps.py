from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "ticketdesk.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from ticketdesk.core.scheduler import register_periodic

        from . import inapp, webhooks  # noqa: F401  (outbox subscribers)
        from .tasks import deliver_webhooks, drain_outbox, send_daily_digests, send_hourly_digests

        # catches retries whose backoff has passed, and rows written while no worker ran
        register_periodic("drain_outbox", drain_outbox, every_seconds=30)
        register_periodic("deliver_webhooks", deliver_webhooks, every_seconds=30)
        register_periodic("hourly_digests", send_hourly_digests, every_seconds=3600)
        register_periodic("daily_digests", send_daily_digests, every_seconds=86400)
