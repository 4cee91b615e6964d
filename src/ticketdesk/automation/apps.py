from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

TIME_RULES_EVERY_SECONDS = 300


class AutomationConfig(AppConfig):
    name = "ticketdesk.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        from ticketdesk.core.config_cache import invalidate_on_change
        from ticketdesk.core.scheduler import register_periodic

        from . import (
            consumers,  # noqa: F401  (registers the outbox consumer)
            models,
        )
        from .tasks import purge_traces, run_time_rules

        # the macros a ticket page offers come from the configuration cache
        invalidate_on_change(models.Macro)
        register_periodic(
            "automation_time_rules", run_time_rules, every_seconds=TIME_RULES_EVERY_SECONDS
        )
        register_periodic("automation_purge_traces", purge_traces, every_seconds=24 * 3600)
