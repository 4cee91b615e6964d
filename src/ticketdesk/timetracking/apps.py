from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimetrackingConfig(AppConfig):
    name = "ticketdesk.timetracking"
    label = "timetracking"
    verbose_name = _("Time tracking")

    def ready(self) -> None:
        from ticketdesk.tickets import resolution

        from .actions import require_time_before_resolving

        resolution.register_resolve_check(require_time_before_resolving)
