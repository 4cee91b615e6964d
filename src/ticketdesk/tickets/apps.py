from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "ticketdesk.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from ticketdesk.core.config_cache import invalidate_on_change
        from ticketdesk.core.scheduler import register_periodic

        from . import models
        from .tasks import close_quiet_tickets

        register_periodic("tickets.close_quiet_tickets", close_quiet_tickets, every_seconds=3600)

        # cache invalidation only: no business side effects live in signals
        invalidate_on_change(
            models.Status,
            models.Transition,
            models.PriorityRule,
            models.CustomFieldDefinition,
            models.FieldSection,
            models.TicketType,
            models.Category,
            models.BusinessArea,
            models.ChannelDefault,
            models.CannedResponse,
        )
