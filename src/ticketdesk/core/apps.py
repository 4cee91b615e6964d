from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ticketdesk.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from ticketdesk.core import checks, files, mail, outbox  # noqa: F401 - checks register
        from ticketdesk.core.scheduler import register_periodic

        from .tasks import optimize_database, purge_outbox

        files.restrict_private_paths()  # issue 19: no world-readable data files
        outbox.register_sender("mail", mail.send_pending)
        register_periodic("core.optimize_database", optimize_database, every_seconds=24 * 3600)
        register_periodic("core.purge_outbox", purge_outbox, every_seconds=3600)
