from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "ticketdesk.assets"
    label = "assets"
    verbose_name = _("Assets and configuration items")
