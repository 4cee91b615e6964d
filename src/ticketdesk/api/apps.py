from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "ticketdesk.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from ticketdesk.core.scheduler import register_periodic

        from .tasks import purge_idempotency_keys

        register_periodic("purge_idempotency_keys", purge_idempotency_keys, every_seconds=3600)
