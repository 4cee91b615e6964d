"""The only write path for items, their relationships and the tickets that affect them.
Each function asks the policy, validates, writes in one transaction and publishes an event
to the outbox in that transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Contact, Organization, User
from ticketdesk.core import clock, outbox
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.tickets.models import Ticket

from . import attributes
from .models import AffectedItem, Item, ItemRelation, ItemStatus, ItemType, RelationKind

MAX_NAME = 150


@dataclass
class ItemInput:
    """What a form, the API or a CSV row gives for an item."""

    name: str
    item_type: ItemType | None
    status: str = ItemStatus.ACTIVE
    identifier: str = ""
    version: str = ""
    owner_contact: Contact | None = None
    owner_organization: Organization | None = None
    description: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


def _require(actor: User | None, verb: str, obj: Any = None) -> None:
    if actor is not None:
        policy.require(actor, verb, obj)


def check_item(
    data: ItemInput, *, existing: Item | None = None, check_identifier: bool = True
) -> tuple[dict[str, Any], dict]:
    """(the cleaned columns, errors by field) — no writes, so an import can check every
    row before it applies any (an import checks identifiers itself, for all rows at once)."""
    errors: dict[str, list[str]] = {}
    name = " ".join((data.name or "").split())[:MAX_NAME]
    if not name:
        errors["name"] = [_("This field is required.")]
    if data.item_type is None:
        errors["item_type"] = [_("Choose a type.")]
    if data.status not in ItemStatus.values:
        errors["status"] = [_("Choose one of: %(c)s.") % {"c": ", ".join(ItemStatus.values)}]
    if data.owner_contact is not None and data.owner_organization is not None:
        errors["owner"] = [_("An item is owned by a contact or by an organization, not both.")]
    identifier = (data.identifier or "").strip()[:80]
    if identifier and check_identifier:
        clash = Item.objects.filter(identifier=identifier)
        if existing is not None:
            clash = clash.exclude(pk=existing.pk)
        if clash.exists():
            errors["identifier"] = [_("Another item has this identifier.")]
    stored: dict[str, Any] = {}
    if data.item_type is not None:
        stored, attribute_errors = attributes.validate(data.item_type, data.attributes or {})
        errors.update(attribute_errors)
    columns = {
        "name": name,
        "item_type": data.item_type,
        "status": data.status,
        "identifier": identifier,
        "version": (data.version or "").strip()[:40],
        "owner_contact": data.owner_contact,
        "owner_organization": data.owner_organization,
        "description": (data.description or "").strip()[:5000],
        "attributes": stored,
    }
    return columns, errors


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(_("Check the highlighted fields."), fields=errors)


def _publish(topic: str, item: Item, actor: User | None, **extra: Any) -> None:
    outbox.publish(
        topic,
        {"item_id": item.pk, "name": item.name, "actor_id": actor.pk if actor else None, **extra},
    )


def create_item(data: ItemInput, *, actor: User | None) -> Item:
    _require(actor, policy.MANAGE_ASSETS)
    columns, errors = check_item(data)
    _raise(errors)
    now = clock.now()
    with transaction.atomic():
        try:
            item = Item.objects.create(**columns, created_at=now, updated_at=now)
        except IntegrityError:  # the identifier was taken meanwhile
            raise ValidationFailed(
                _("Another item has this identifier."),
                fields={"identifier": [_("Another item has this identifier.")]},
            ) from None
        _publish("item.created", item, actor)
    return item


def update_item(item: Item, data: ItemInput, *, actor: User | None) -> Item:
    _require(actor, policy.MANAGE_ASSETS)
    columns, errors = check_item(data, existing=item)
    _raise(errors)
    with transaction.atomic():
        locked = Item.objects.select_for_update().get(pk=item.pk)
        changed = sorted(k for k, v in columns.items() if getattr(locked, k) != v)
        if not changed:
            return locked
        for name, value in columns.items():
            setattr(locked, name, value)
        locked.updated_at = clock.now()
        locked.save()
        _publish("item.updated", locked, actor, changes=changed)
    return locked


def relate(source: Item, target: Item, kind: str, *, actor: User | None) -> ItemRelation:
    """`source` runs on / depends on `target` (once; an item not on itself)."""
    _require(actor, policy.MANAGE_ASSETS)
    if kind not in RelationKind.values:
        raise ValidationFailed(_("Unknown relationship."), fields={"kind": [_("Unknown.")]})
    if source.pk == target.pk:
        raise ValidationFailed(
            _("An item cannot be related to itself."),
            fields={"target": [_("Choose another item.")]},
        )
    with transaction.atomic():
        relation, created = ItemRelation.objects.get_or_create(
            source=source, target=target, kind=kind, defaults={"created_at": clock.now()}
        )
        if created:
            _publish("item.related", source, actor, target_id=target.pk, kind=kind)
    return relation


def unrelate(relation: ItemRelation, *, actor: User | None) -> None:
    _require(actor, policy.MANAGE_ASSETS)
    with transaction.atomic():
        source = relation.source
        kind, target_id = relation.kind, relation.target_id
        relation.delete()
        _publish("item.unrelated", source, actor, target_id=target_id, kind=kind)


def _ticket_payload(ticket: Ticket, item: Item, actor: User | None) -> dict[str, Any]:
    return {
        "ticket_id": ticket.pk,
        "ticket_number": ticket.number,
        "item_id": item.pk,
        "item_name": item.name,
        "actor_id": actor.pk if actor else None,
    }


def link_ticket(ticket: Ticket, item: Item, *, actor: User | None) -> AffectedItem:
    """The ticket affects the item (once)."""
    _require(actor, policy.LINK_ITEMS, ticket)
    with transaction.atomic():
        link, created = AffectedItem.objects.get_or_create(
            ticket=ticket, item=item, defaults={"created_at": clock.now(), "created_by": actor}
        )
        if created:
            outbox.publish(
                "ticket.item_linked", _ticket_payload(ticket, item, actor), ticket_id=ticket.pk
            )
    return link


def unlink_ticket(ticket: Ticket, item: Item, *, actor: User | None) -> None:
    _require(actor, policy.LINK_ITEMS, ticket)
    with transaction.atomic():
        deleted, _rows = AffectedItem.objects.filter(ticket=ticket, item=item).delete()
        if deleted:
            outbox.publish(
                "ticket.item_unlinked", _ticket_payload(ticket, item, actor), ticket_id=ticket.pk
            )
