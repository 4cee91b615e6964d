from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "ticketdesk.catalog"
    label = "catalog"
    verbose_name = _("Service catalog")

    def ready(self) -> None:
        from . import consumers  # noqa: F401  (register the outbox consumer)
