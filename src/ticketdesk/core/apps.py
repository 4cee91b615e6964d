from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ticketdesk.core"
    label = "core"
    verbose_name = "Core"
