from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingChannelConfig(AppConfig):
    name = "ticketdesk.channels.messaging"
    label = "messaging"
    verbose_name = _("Messaging apps")

    def ready(self) -> None:
        from ticketdesk.core import config_cache, outbox

        from . import inbound_queue, outbound
        from .models import ChannelAccount

        config_cache.invalidate_on_change(ChannelAccount)
        outbox.register_sender("messaging", outbound.send_due)
        outbox.register_sender("messaging_inbound", inbound_queue.process_due)
