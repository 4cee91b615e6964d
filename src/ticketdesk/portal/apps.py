from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "ticketdesk.portal"
    label = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from . import consumers  # noqa: F401  (registers the outbox consumer)
