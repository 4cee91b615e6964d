from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "ticketdesk.routing"
    label = "routing"
    verbose_name = _("Routing")

    def ready(self) -> None:
        from . import consumers  # noqa: F401  (registers the outbox consumer)
