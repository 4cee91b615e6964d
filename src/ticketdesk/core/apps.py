from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ticketdesk.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from ticketdesk.core.scheduler import register_periodic

        from .tasks import optimize_database

        register_periodic("core.optimize_database", optimize_database, every_seconds=24 * 3600)
