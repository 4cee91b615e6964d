from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatChannelConfig(AppConfig):
    name = "ticketdesk.channels.chat"
    label = "chat_channel"
    verbose_name = _("Live chat")

    def ready(self) -> None:
        from ticketdesk.core.config_cache import invalidate_on_change
        from ticketdesk.core.scheduler import register_periodic

        from .models import ChatWidgetSettings
        from .tasks import (
            END_ABANDONED_EVERY_SECONDS,
            PRUNE_EVENTS_EVERY_SECONDS,
            end_abandoned_chats,
            prune_chat_events,
        )

        register_periodic(
            "chat.end_abandoned", end_abandoned_chats, every_seconds=END_ABANDONED_EVERY_SECONDS
        )
        register_periodic(
            "chat.prune_events", prune_chat_events, every_seconds=PRUNE_EVENTS_EVERY_SECONDS
        )
        invalidate_on_change(ChatWidgetSettings)  # the widget's allowed origins
