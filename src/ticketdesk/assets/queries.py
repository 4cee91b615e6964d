"""Reads of items, filtered by the policy and shaped for their pages (bounded queries)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from ticketdesk.accounts import policy
from ticketdesk.core.errors import NotFound
from ticketdesk.core.pagination import Page, keyset_page
from ticketdesk.tickets.models import ACTIVE_CATEGORIES, Ticket

from .models import AffectedItem, Item, ItemRelation, ItemType

PAGE_SIZE = 50
PANEL_ITEMS = 20
PANEL_TICKETS = 5  # other open tickets shown per item
PROBLEM_TYPE = "problem"


@dataclass
class ItemFilters:
    text: str = ""
    item_type: int | None = None
    status: str = ""
    organization: int | None = None


def items(user: Any) -> QuerySet[Item]:
    if not policy.can(user, policy.VIEW_ASSETS):
        return Item.objects.none()
    return Item.objects.select_related("item_type", "owner_contact", "owner_organization")


def filtered(user: Any, filters: ItemFilters) -> QuerySet[Item]:
    qs = items(user)
    text = filters.text.strip()[:100]
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(identifier__iexact=text))
    if filters.item_type:
        qs = qs.filter(item_type_id=filters.item_type)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.organization:
        qs = qs.filter(owner_organization_id=filters.organization)
    return qs


def item_page(
    user: Any, filters: ItemFilters, *, cursor: str | None, limit: int = PAGE_SIZE
) -> Page[Item]:
    """One keyset page ordered by name then id (each filter has an index in that order)."""
    return keyset_page(filtered(user, filters), ["name", "id"], cursor=cursor, limit=limit)


def item_detail(user: Any, pk: int) -> Item:
    item = items(user).filter(pk=pk).first()
    if item is None:
        raise NotFound("No such item.")
    return item


def item_types() -> QuerySet[ItemType]:
    return ItemType.objects.filter(active=True).order_by("order", "name")


def relations(item: Item) -> dict[str, list[ItemRelation]]:
    """What the item runs on / depends on, and what runs on / depends on it (two queries)."""
    out = ItemRelation.objects.filter(source=item).select_related("target__item_type")
    incoming = ItemRelation.objects.filter(target=item).select_related("source__item_type")
    return {
        "out": list(out.order_by("kind", "target__name")[:200]),
        "in": list(incoming.order_by("kind", "source__name")[:200]),
    }


def item_tickets(user: Any, item: Item, *, limit: int = 50) -> list[Ticket]:
    """The tickets that affect the item that `user` may see, newest first."""
    linked = AffectedItem.objects.filter(item=item).values("ticket_id")
    qs = policy.visible_tickets(user).filter(pk__in=linked).select_related("status", "assignee")
    return list(qs.order_by("-created_at", "-id")[:limit])


@dataclass
class PanelRow:
    item: Item
    other_open: list[Ticket] = field(default_factory=list)
    more: bool = False


def panel_columns() -> dict[str, Any]:
    """Whether the ticket affects any item, as a subquery of the ticket's own query
    (`tickets.queries.ticket_detail(columns=...)`): a ticket without items needs no query
    for its panel."""
    return {"has_affected_items": Exists(AffectedItem.objects.filter(ticket_id=OuterRef("pk")))}


def ticket_panel(user: Any, ticket: Ticket) -> list[PanelRow]:
    """The items the ticket affects, each with its other open tickets the user may see
    (three queries however many items)."""
    if not policy.can(user, policy.VIEW_ASSETS):
        return []
    if getattr(ticket, "has_affected_items", None) is False:  # read with panel_columns()
        return []
    links = (
        AffectedItem.objects.filter(ticket=ticket)
        .select_related("item__item_type")
        .order_by("item__name", "item_id")[:PANEL_ITEMS]
    )
    rows = {link.item_id: PanelRow(item=link.item) for link in links}
    if not rows:
        return []
    others = (
        AffectedItem.objects.filter(item_id__in=list(rows))
        .exclude(ticket=ticket)
        .filter(
            ticket__in=policy.visible_tickets(user).filter(
                status_category__in=ACTIVE_CATEGORIES, merged_into__isnull=True
            )
        )
        .select_related("ticket")
        .only("item_id", "ticket__number", "ticket__subject", "ticket__status_category")
        .order_by("item_id", "-ticket__created_at")[: PANEL_ITEMS * (PANEL_TICKETS + 1)]
    )
    for link in others:
        row = rows[link.item_id]
        if len(row.other_open) < PANEL_TICKETS:
            row.other_open.append(link.ticket)
        else:
            row.more = True
    return list(rows.values())


def linkable_items(user: Any, text: str, *, exclude_ticket: Ticket | None = None) -> list[Item]:
    """Up to 10 items whose name or identifier matches `text` (for the link picker)."""
    text = text.strip()[:100]
    if not text:
        return []
    qs = items(user).filter(Q(name__icontains=text) | Q(identifier__istartswith=text))
    if exclude_ticket is not None:
        qs = qs.exclude(ticket_links__ticket=exclude_ticket)
    return list(qs.order_by(Lower("name"), "id")[:10])


def tickets_per_item(
    *, since: dt.datetime | None = None, until: dt.datetime | None = None, limit: int = 100
) -> list[Item]:
    """Items with their ticket counts (tickets opened in the period): `ticket_count`,
    `open_count`, `problem_count`; most tickets first (one query)."""
    condition = Q()
    if since is not None:
        condition &= Q(ticket_links__ticket__created_at__gte=since)
    if until is not None:
        condition &= Q(ticket_links__ticket__created_at__lt=until)
    qs = (
        Item.objects.select_related("item_type")
        .annotate(
            ticket_count=Count("ticket_links", filter=condition),
            open_count=Count(
                "ticket_links",
                filter=condition & Q(ticket_links__ticket__status_category__in=ACTIVE_CATEGORIES),
            ),
            problem_count=Count(
                "ticket_links",
                filter=condition & Q(ticket_links__ticket__ticket_type__key=PROBLEM_TYPE),
            ),
        )
        .filter(ticket_count__gt=0)
        .order_by("-ticket_count", "name", "id")
    )
    return list(qs[:limit])


def find_item(user: Any, text: str) -> Item:
    """The item named by `text`: its identifier, else its exact name (case aside) when one
    item has it. Raises NotFound with a message for the form."""
    from django.utils.translation import gettext as _

    text = text.strip()[:150]
    qs = items(user)
    found = qs.filter(identifier=text).first() if text else None
    if found is not None:
        return found
    named = list(qs.filter(name__iexact=text).order_by("id")[:2]) if text else []
    if len(named) == 1:
        return named[0]
    if named:
        raise NotFound(_("Several items have this name: give the identifier."))
    raise NotFound(_("No item has this identifier or name."))
