from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "ticketdesk.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from ticketdesk.core.scheduler import register_periodic

        from . import tracking
        from .tasks import apply_retention_rules

        tracking.connect()
        register_periodic("privacy.retention", apply_retention_rules, every_seconds=24 * 3600)
