from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "ticketdesk.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from ticketdesk.core.scheduler import register_periodic

        from .tasks import drain_outbox

        # catches retries whose backoff has passed, and rows written while no worker ran
        register_periodic("drain_outbox", drain_outbox, every_seconds=30)
