from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "ticketdesk.assets"
    label = "assets"
    verbose_name = _("Assets and configuration items")

    def ready(self) -> None:
        from ticketdesk.core.config_cache import invalidate_on_change
        from ticketdesk.tickets import custom_fields
        from ticketdesk.tickets.models import FieldType

        from . import models
        from .field_type import asset_reference

        # a custom field of type "asset" offers and names the inventory's items
        custom_fields.register_reference(FieldType.ASSET, asset_reference())
        invalidate_on_change(models.Item)
