from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatChannelConfig(AppConfig):
    name = "ticketdesk.channels.chat"
    label = "chat_channel"
    verbose_name = _("Live chat")
