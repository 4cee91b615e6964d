"""/items: assets, products, services and configuration items; /tickets/{number}/items:
the items a ticket affects."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact, Organization
from ticketdesk.assets import actions, queries
from ticketdesk.assets.models import AffectedItem, Item, ItemType
from ticketdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from ticketdesk.tickets import queries as ticket_queries

from ..schemas import MAX_ID, Id, In
from .tickets import ERRORS, Number, user_of

router = Router(tags=["items"])
ItemId = Path(..., ge=1, le=MAX_ID, description="The item's id.")
ticket_router = Router(tags=["items"])


class ItemOut(Schema):
    id: int
    name: str
    type: str
    identifier: str
    version: str
    status: str
    owner_contact_id: int | None
    owner_organization_id: int | None
    description: str
    attributes: dict[str, Any]
    updated_at: dt.datetime


class ItemPage(Schema):
    items: list[ItemOut]
    next_cursor: str | None


class ItemParams(In):
    q: str | None = Field(None, max_length=100)
    type: str | None = Field(None, max_length=40, description="The type's key.")
    status: str | None = Field(None, max_length=12)
    organization_id: Id | None = None
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(25, ge=1, le=100)


class ItemIn(In):
    name: str = Field(..., max_length=150)
    type: str = Field(..., max_length=40, description="The type's key.")
    status: str = Field("active", max_length=12)
    identifier: str = Field("", max_length=80)
    version: str = Field("", max_length=40)
    owner_contact_id: Id | None = None
    owner_organization_id: Id | None = None
    description: str = Field("", max_length=5000)
    attributes: dict[str, Any] = Field(default_factory=dict)


class LinkIn(In):
    item_id: Id


def item_out(item: Item) -> dict[str, Any]:
    return {
        "id": item.pk,
        "name": item.name,
        "type": item.item_type.key,
        "identifier": item.identifier,
        "version": item.version,
        "status": item.status,
        "owner_contact_id": item.owner_contact_id,
        "owner_organization_id": item.owner_organization_id,
        "description": item.description,
        "attributes": item.attributes,
        "updated_at": item.updated_at,
    }


def _require_view(request: HttpRequest) -> Any:
    user = user_of(request)
    if not policy.can(user, policy.VIEW_ASSETS):
        raise PermissionDenied(_("Only agents can do this."))
    return user


def _input(payload: ItemIn) -> actions.ItemInput:
    item_type = ItemType.objects.filter(key=payload.type, active=True).first()
    if item_type is None:
        raise ValidationFailed(_("Unknown item type."), fields={"type": [_("Unknown type.")]})
    contact = organization = None
    if payload.owner_contact_id is not None:
        contact = Contact.objects.filter(pk=payload.owner_contact_id).first()
        if contact is None:
            raise ValidationFailed(
                _("No such contact."), fields={"owner_contact_id": [_("No such contact.")]}
            )
    if payload.owner_organization_id is not None:
        organization = Organization.objects.filter(pk=payload.owner_organization_id).first()
        if organization is None:
            raise ValidationFailed(
                _("No such organization."),
                fields={"owner_organization_id": [_("No such organization.")]},
            )
    return actions.ItemInput(
        name=payload.name,
        item_type=item_type,
        status=payload.status,
        identifier=payload.identifier,
        version=payload.version,
        owner_contact=contact,
        owner_organization=organization,
        description=payload.description,
        attributes=payload.attributes,
    )


@router.get("", response={200: ItemPage, **ERRORS}, summary="List items")
def list_items(request: HttpRequest, params: Query[ItemParams]) -> Any:
    user = _require_view(request)
    type_id = None
    if params.type:
        type_id = ItemType.objects.filter(key=params.type).values_list("pk", flat=True).first()
        if type_id is None:
            return {"items": [], "next_cursor": None}
    filters = queries.ItemFilters(
        text=params.q or "",
        item_type=type_id,
        status=params.status or "",
        organization=params.organization_id,
    )
    page = queries.item_page(user, filters, cursor=params.cursor, limit=params.limit)
    return {"items": [item_out(i) for i in page.items], "next_cursor": page.next_cursor}


@router.post("", response={201: ItemOut, **ERRORS}, summary="Create an item")
def create_item(request: HttpRequest, payload: ItemIn) -> Any:
    item = actions.create_item(_input(payload), actor=user_of(request))
    return 201, item_out(item)


def _item(request: HttpRequest, item_id: int) -> Item:
    user = _require_view(request)
    return queries.item_detail(user, item_id)


@router.get("/{item_id}", response={200: ItemOut, **ERRORS}, summary="Read an item")
def read_item(request: HttpRequest, item_id: int = ItemId) -> Any:
    return item_out(_item(request, item_id))


@router.put("/{item_id}", response={200: ItemOut, **ERRORS}, summary="Change an item")
def update_item(request: HttpRequest, payload: ItemIn, item_id: int = ItemId) -> Any:
    item = _item(request, item_id)
    return item_out(actions.update_item(item, _input(payload), actor=user_of(request)))


@ticket_router.get(
    "/{number}/items", response={200: list[ItemOut], **ERRORS}, summary="Affected items"
)
def ticket_items(request: HttpRequest, number: int = Number) -> Any:
    user = _require_view(request)
    ticket = ticket_queries.ticket_detail(user, number)
    links = (
        AffectedItem.objects.filter(ticket=ticket)
        .select_related("item__item_type")
        .order_by("item__name", "item_id")[:200]
    )
    return [item_out(link.item) for link in links]


@ticket_router.post(
    "/{number}/items", response={201: ItemOut, **ERRORS}, summary="Link an affected item"
)
def link_item(request: HttpRequest, payload: LinkIn, number: int = Number) -> Any:
    user = _require_view(request)
    ticket = ticket_queries.ticket_detail(user, number)
    item = queries.item_detail(user, payload.item_id)
    actions.link_ticket(ticket, item, actor=user)
    return 201, item_out(item)


@ticket_router.delete(
    "/{number}/items/{item_id}", response={204: None, **ERRORS}, summary="Unlink an item"
)
def unlink_item(request: HttpRequest, number: int = Number, item_id: int = ItemId) -> Any:
    user = _require_view(request)
    ticket = ticket_queries.ticket_detail(user, number)
    item = queries.item_detail(user, item_id)
    if not AffectedItem.objects.filter(ticket=ticket, item=item).exists():
        raise NotFound(_("This item is not linked to the ticket."))
    actions.unlink_ticket(ticket, item, actor=user)
    return 204, None
