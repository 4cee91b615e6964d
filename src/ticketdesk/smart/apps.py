from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmartConfig(AppConfig):
    name = "ticketdesk.smart"
    label = "smart"
    verbose_name = _("Smart support")

    def ready(self) -> None:
        from ticketdesk.core.scheduler import register_periodic

        from .tasks import RETRAIN_EVERY_SECONDS, train_models

        register_periodic("smart.train_models", train_models, every_seconds=RETRAIN_EVERY_SECONDS)
