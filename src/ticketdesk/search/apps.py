from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "ticketdesk.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from . import consumers  # noqa: F401 - registers the outbox consumer
