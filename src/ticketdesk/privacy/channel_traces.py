"""What live chat and the messaging apps keep about a contact: in the export, and gone on
erasure.

- live chat: the visitor's name, address, topic and the page they chatted from (per
  conversation), and the events' data (what the visitor typed before it became a message);
- messaging apps: each identity (the platform id — a WhatsApp number is a phone number —
  display name and phone), the incoming messages' raw deliveries and last errors, and the
  text of the replies sent out to them.

Erasure pseudonymises these the same way as the rest of the contact (privacy/erase.py):
identities keep their row (the tickets' history refers to them) with the platform id replaced
by "erased-<id>", so a later message from the same number starts a new contact."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from ticketdesk.channels.chat.models import ChatConversation, ChatEvent
from ticketdesk.channels.messaging.models import (
    Identity,
    InboundMessage,
    InboundStatus,
    OutboundMessage,
)

if TYPE_CHECKING:
    from ticketdesk.accounts.models import Contact
    from ticketdesk.privacy.erase import Scrubber

ERASED_ERROR = "erased on request before it was processed"


def _chats(contact: Contact) -> Any:
    return ChatConversation.objects.filter(
        Q(ticket__requester=contact) | Q(visitor_email__iexact=contact.email)
    )


def _inbound(identities: list[Identity]) -> Any:
    rows = Q(identity_id__in=[i.pk for i in identities])
    for identity in identities:  # not yet processed: known by the sender's platform id only
        rows |= Q(account_id=identity.account_id, sender_id=identity.external_id)
    return InboundMessage.objects.filter(rows) if identities else InboundMessage.objects.none()


def identifiers(contact: Contact) -> list[str]:
    """What names the contact on the messaging apps: platform ids, display names, phones."""
    rows = Identity.objects.filter(contact=contact).values_list(
        "external_id", "display_name", "phone"
    )
    return [value for row in rows for value in row if value]


def export(contact: Contact) -> dict[str, Any]:
    """The export's "chats" and "messaging" parts."""
    identities = list(
        Identity.objects.filter(contact=contact).select_related("account").order_by("id")
    )
    return {
        "chats": list(
            _chats(contact)
            .order_by("id")
            .values(
                "ticket__number",
                "visitor_name",
                "visitor_email",
                "topic",
                "page_url",
                "page_title",
                "language",
                "created_at",
                "ended_at",
            )
        ),
        "messaging_identities": [
            {
                "provider": i.account.provider,
                "account": i.account.name,
                "platform_id": i.external_id,
                "display_name": i.display_name,
                "phone": i.phone,
                "last_message_at": i.last_inbound_at,
                "created_at": i.created_at,
            }
            for i in identities
        ],
        "messaging_received": list(
            _inbound(identities)
            .order_by("id")
            .values("provider_message_id", "ticket__number", "status", "sent_at", "received_at")
        ),
        "messaging_sent": list(
            OutboundMessage.objects.filter(identity__in=identities)
            .order_by("id")
            .values("ticket__number", "kind", "text", "status")
        ),
    }


def erase(contact: Contact, scrubber: Scrubber, pseudonym: tuple[str, str]) -> None:
    """Pseudonymise the contact's chats and messaging identities (inside erase_contact's
    transaction)."""
    name, email = pseudonym
    chats = _chats(contact)
    chat_ids = list(chats.values_list("pk", flat=True))
    for chat in chats.only("pk", "topic"):
        chat.topic = scrubber.text(chat.topic)
        chat.save(update_fields=["topic"])
    ChatConversation.objects.filter(pk__in=chat_ids).update(
        visitor_name=name, visitor_email=email, page_url="", page_title=""
    )
    events = ChatEvent.objects.filter(conversation_id__in=chat_ids).only("pk", "data")
    for event in events.iterator(chunk_size=500):
        data = scrubber.json(event.data)
        if data != event.data:
            event.data = data
            event.save(update_fields=["data"])

    identities = list(Identity.objects.filter(contact=contact))
    inbound = _inbound(identities)
    for row in inbound.filter(last_error__gt="").only("pk", "last_error"):
        row.last_error = scrubber.text(row.last_error)
        row.save(update_fields=["last_error"])
    inbound.filter(status=InboundStatus.PENDING).update(
        status=InboundStatus.FAILED, last_error=ERASED_ERROR
    )
    inbound.update(body="", sender_id="")
    for out in OutboundMessage.objects.filter(identity__in=identities).only(
        "pk", "text", "last_error"
    ):
        out.text, out.last_error = scrubber.text(out.text), scrubber.text(out.last_error)
        out.save(update_fields=["text", "last_error"])
    for identity in identities:
        identity.external_id = f"erased-{identity.pk}"
        identity.display_name, identity.phone = name, ""
        identity.save(update_fields=["external_id", "display_name", "phone"])
