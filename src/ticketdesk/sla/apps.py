from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "ticketdesk.sla"
    label = "sla"
    verbose_name = _("SLA")

    def ready(self) -> None:
        from ticketdesk.core.scheduler import register_periodic

        from . import consumers  # noqa: F401  (registers the outbox consumer)
        from .tasks import check_sla_deadlines

        register_periodic("sla_deadlines", check_sla_deadlines, every_seconds=60)
