from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "ticketdesk.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from ticketdesk.core.scheduler import register_periodic

        from . import consumers  # noqa: F401  (registers the outbox consumer)
        from .tasks import detect_spikes, refresh_recent_facts, send_scheduled_reports

        register_periodic("reports.send_scheduled", send_scheduled_reports, 15 * 60)
        register_periodic("reports.detect_spikes", detect_spikes, 60 * 60)
        register_periodic("reports.refresh_recent_facts", refresh_recent_facts, 5 * 60)
