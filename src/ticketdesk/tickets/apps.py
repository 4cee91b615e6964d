from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "ticketdesk.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from ticketdesk.core.scheduler import register_periodic

        from . import config, models
        from .tasks import close_quiet_tickets

        register_periodic("tickets.close_quiet_tickets", close_quiet_tickets, every_seconds=3600)

        # cache invalidation only: no business side effects live in signals
        for model in (
            models.Status,
            models.Transition,
            models.PriorityRule,
            models.CustomFieldDefinition,
            models.TicketType,
            models.Category,
            models.BusinessArea,
            models.ChannelDefault,
            models.Category,
        ):
            post_save.connect(config.invalidate, sender=model, dispatch_uid=f"cfg-{model.__name__}")
            post_delete.connect(
                config.invalidate, sender=model, dispatch_uid=f"cfg-del-{model.__name__}"
            )
        m2m_changed.connect(
            config.invalidate,
            sender=models.CustomFieldDefinition.ticket_types.through,
            dispatch_uid="cfg-cf-types",
        )
