from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackersConfig(AppConfig):
    name = "ticketdesk.trackers"
    label = "trackers"
    verbose_name = _("Developer trackers")

    def ready(self) -> None:
        from ticketdesk.core import outbox

        from . import calls

        outbox.register_sender("trackers", calls.send_due)
