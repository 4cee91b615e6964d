"""Who writes to us on a messaging app: an Identity per account and platform id, linked to
an accounts Contact. A new identity joins the contact of the same phone number (another
account's identity, or a contact with that phone) or gets a contact of its own, under a
placeholder address (…@messaging.invalid) until an agent merges it into the customer's
email contact (`merge_contacts`): then the agent sees one history."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ticketdesk.accounts import policy
from ticketdesk.accounts.actions import get_or_create_contact
from ticketdesk.accounts.models import Contact
from ticketdesk.core.errors import ValidationFailed
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Ticket

from .adapters import NormalisedMessage
from .models import ChannelAccount, Identity

PLACEHOLDER_DOMAIN = "messaging.invalid"


def placeholder_email(provider: str, external_id: str) -> str:
    local = re.sub(r"[^A-Za-z0-9_-]+", "-", external_id).strip("-")[:60] or "unknown"
    return f"{provider}.{local}@{PLACEHOLDER_DOMAIN}"


def is_placeholder(contact: Contact) -> bool:
    return contact.email.lower().endswith("@" + PLACEHOLDER_DOMAIN)


def _contact_by_phone(phone: str) -> Contact | None:
    if not phone:
        return None
    known = Identity.objects.filter(phone=phone).select_related("contact").first()
    if known is not None:
        return known.contact
    digits = phone.lstrip("+")
    return Contact.objects.filter(phone__in=[phone, digits]).order_by("id").first()


def identity_for(account: ChannelAccount, incoming: NormalisedMessage) -> Identity:
    """The sender's identity on `account`, created (with its contact) on first sight; its
    name and last-message time brought up to date. Call inside a transaction."""
    identity = (
        Identity.objects.select_related("contact")
        .filter(account=account, external_id=incoming.sender_id)
        .first()
    )
    if identity is None:
        contact = _contact_by_phone(incoming.phone) or get_or_create_contact(
            placeholder_email(account.provider, incoming.sender_id), incoming.display_name
        )
        try:
            with transaction.atomic():
                identity = Identity.objects.create(
                    account=account,
                    external_id=incoming.sender_id[:100],
                    display_name=incoming.display_name[:200],
                    phone=incoming.phone[:50],
                    contact=contact,
                )
        except IntegrityError:  # the same sender's other message, at the same moment
            identity = Identity.objects.select_related("contact").get(
                account=account, external_id=incoming.sender_id
            )
    fields = []
    if incoming.display_name and identity.display_name != incoming.display_name[:200]:
        identity.display_name = incoming.display_name[:200]
        fields.append("display_name")
    if identity.last_inbound_at is None or identity.last_inbound_at < incoming.timestamp:
        identity.last_inbound_at = incoming.timestamp
        fields.append("last_inbound_at")
    if fields:
        identity.save(update_fields=fields)
    return identity


def merge_contacts(source: Contact, target: Contact, *, actor: Any) -> int:
    """Move `source`'s messaging identities and tickets to `target` (each ticket's requester
    changes through tickets.actions, with its event). Returns the number of tickets moved."""
    if actor is not None:
        policy.require(actor, policy.MERGE_CONTACTS)
    if source.pk == target.pk:
        raise ValidationFailed(
            _("A contact cannot be merged into itself."),
            fields={"target": [_("Choose another contact.")]},
        )
    moved = 0
    with transaction.atomic():
        Identity.objects.filter(contact=source).update(contact=target)
        ids = Ticket.objects.filter(requester=source).order_by("id").values_list("id", flat=True)
        for ticket_id in ids.iterator(chunk_size=200):
            actions.set_fields(Ticket.objects.get(pk=ticket_id), actor=actor, requester=target)
            moved += 1
    return moved
