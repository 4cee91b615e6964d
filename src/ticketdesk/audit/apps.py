from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "ticketdesk.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from ticketdesk.core.scheduler import register_periodic

        from .tasks import purge_audit_entries

        register_periodic("audit.purge_entries", purge_audit_entries, every_seconds=24 * 3600)
