"""The custom field type "asset": a ticket form field whose value is an item of the
inventory, stored as its id, offered as a list of the items in use and named by the item's
name and identifier (tickets.custom_fields.Reference)."""

from __future__ import annotations

from ticketdesk.core.config_cache import cached
from ticketdesk.tickets.custom_fields import Reference

from .models import Item, ItemStatus

# the longest list a form offers; a larger inventory is linked on the ticket's asset panel
CHOICE_LIMIT = 500


def _choosable() -> list[tuple[int, str]]:
    def load() -> list[tuple[int, str]]:
        items = (
            Item.objects.exclude(status=ItemStatus.RETIRED)
            .only("id", "name", "identifier")
            .order_by("name", "id")[:CHOICE_LIMIT]
        )
        return [(item.pk, str(item)) for item in items]

    return cached("custom_field_assets", load)


def _name_of(pk: int) -> str | None:
    known = dict(_choosable())
    if pk in known:
        return known[pk]
    item = Item.objects.exclude(status=ItemStatus.RETIRED).only("name", "identifier").filter(pk=pk)
    found = item.first()
    return str(found) if found is not None else None


def asset_reference() -> Reference:
    return Reference(choices=_choosable, name_of=_name_of)
