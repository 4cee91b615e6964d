"""Erase (anonymise) a contact on request, keeping ticket numbers and statistics.

The rule (docs/privacy.md says the same):
- the contact becomes a pseudonym: name "Erased contact <id>", email
  "erased-<id>@erased.invalid", no phone, no organizations; their login (if any) is renamed
  the same way, loses its names, password, signature and preferences and is deactivated;
- their own messages' bodies become "[erased]" and their attachments are deleted (file and
  row); the descriptions of the tickets they requested become "[erased]";
- on those tickets, other messages (agents' replies and notes), the subject and the event
  log keep their text with every occurrence of the contact's email, phone, full name and
  each part of their name (three letters or more) replaced by the pseudonym; on others'
  tickets they were copied on or wrote in, their email, phone and full name are replaced;
- their satisfaction comments become "[erased]" (the scores stay), the subjects they typed
  in the portal are cleared, their invitations, their in-app notifications and the mail
  sent to or received from them lose the identifiers the same way (raw received mail is
  dropped), audit entries that named them are renamed;
- the search index of their tickets is rebuilt; tickets, numbers, statuses, times, scores
  and report facts stay, so statistics do not change;
- their live chats and messaging-app identities, incoming deliveries and outgoing texts the
  same way (privacy/channel_traces.py);
- one audit entry "privacy.erased" records who erased which contact (by id) and when, with
  counts only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q

from ticketdesk.accounts.models import Contact, User
from ticketdesk.audit import log
from ticketdesk.audit.models import AuditEntry
from ticketdesk.channels.email.models import InboundEmail, OutboundEmail
from ticketdesk.core.models import OutboxMessage, OutgoingMail
from ticketdesk.notifications.models import Notification
from ticketdesk.portal.models import DeflectionEvent, Invitation, SatisfactionRating
from ticketdesk.privacy import channel_traces
from ticketdesk.search import backend as search
from ticketdesk.tickets.models import Attachment, Message, Ticket, TicketEvent

ERASED = "[erased]"
MIN_PART = 3  # name parts shorter than this are left alone ("Li" would hit too much)


@dataclass
class Erasure:
    contact_id: int
    pseudonym: str
    tickets: int = 0
    messages: int = 0
    attachments: int = 0


def pseudonym_for(contact_id: int) -> tuple[str, str]:
    return f"Erased contact {contact_id}", f"erased-{contact_id}@erased.invalid"


class Scrubber:
    """Replaces a person's identifiers in text and JSON."""

    def __init__(self, identifiers: list[str], replacement: str):
        words = sorted({w for w in identifiers if w and len(w) >= MIN_PART}, key=len, reverse=True)
        self.replacement = replacement
        self.pattern = (
            re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None
        )

    def text(self, value: str) -> str:
        if not self.pattern or not value:
            return value
        return self.pattern.sub(self.replacement, value)

    def json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.json(v) for k, v in value.items()}
        return value


def _identifiers(contact: Contact) -> tuple[list[str], list[str]]:
    """(strong, all): email, phone and full names everywhere; name parts on their tickets."""
    strong = [contact.email, contact.name, contact.phone, *channel_traces.identifiers(contact)]
    user = contact.user
    if user is not None:
        strong += [user.email, user.username, user.get_full_name()]
    parts = [
        p for name in (contact.name, user.get_full_name() if user else "") for p in name.split()
    ]
    parts += [contact.email.split("@")[0]]
    return [s for s in strong if s], [s for s in strong + parts if s]


def _scrub_rows(
    queryset: Any, fields: list[str], scrubber: Scrubber, *, json: bool = False
) -> None:
    for row in queryset.only("pk", *fields).iterator(chunk_size=500):
        changed = []
        for field in fields:
            value = getattr(row, field)
            new = scrubber.json(value) if json else scrubber.text(value)
            if new != value:
                setattr(row, field, new)
                changed.append(field)
        if changed:
            row.save(update_fields=changed)


def _delete_attachments(queryset: Any) -> int:
    count = 0
    for attachment in queryset.iterator(chunk_size=200):
        name = attachment.file.name
        storage = attachment.file.storage
        attachment.delete()
        if name:
            transaction.on_commit(partial(storage.delete, name))
        count += 1
    return count


def erase_contact(contact: Contact, *, actor: Any) -> Erasure:
    """Anonymise `contact` (see the module's rule) in one transaction; audited."""
    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=contact.pk)
        )
        name, email = pseudonym_for(contact.pk)
        strong, every = _identifiers(contact)
        wide = Scrubber(strong, name)
        narrow = Scrubber(every, name)
        result = Erasure(contact_id=contact.pk, pseudonym=name)
        ticket_ids = list(Ticket.objects.filter(requester=contact).values_list("pk", flat=True))
        result.tickets = len(ticket_ids)

        own = Message.objects.filter(author_contact=contact)
        result.attachments = _delete_attachments(
            Attachment.objects.filter(Q(message__author_contact=contact))
        )
        result.messages = own.update(body_html=f"<p>{ERASED}</p>", body_text=ERASED)
        Ticket.objects.filter(pk__in=ticket_ids).update(description=ERASED)
        _scrub_rows(Ticket.objects.filter(pk__in=ticket_ids), ["subject"], narrow)
        _scrub_rows(
            Message.objects.filter(ticket_id__in=ticket_ids).exclude(author_contact=contact),
            ["body_html", "body_text"],
            narrow,
        )
        events = TicketEvent.objects.filter(Q(ticket_id__in=ticket_ids) | Q(actor_contact=contact))
        _scrub_rows(events, ["old_value", "new_value", "data"], narrow, json=True)
        # tickets of others they were copied on or wrote in: their address and full name
        other_ids = _other_tickets(contact, ticket_ids)
        _scrub_rows(
            Message.objects.filter(ticket_id__in=other_ids).exclude(author_contact=contact),
            ["body_html", "body_text"],
            wide,
        )
        _scrub_rows(
            TicketEvent.objects.filter(ticket_id__in=other_ids),
            ["old_value", "new_value", "data"],
            wide,
            json=True,
        )
        _scrub_rows(
            OutboxMessage.objects.filter(ticket_id__in=other_ids), ["payload"], wide, json=True
        )
        _scrub_rows(Notification.objects.filter(ticket_id__in=other_ids), ["data"], wide, json=True)
        outbox = OutboxMessage.objects.filter(ticket_id__in=ticket_ids)
        _scrub_rows(outbox, ["payload"], narrow, json=True)
        mails = OutgoingMail.objects.filter(
            Q(ticket_id__in=ticket_ids) | Q(to__icontains=contact.email)
        )
        _scrub_rows(mails, ["subject", "body", "html"], narrow)
        _scrub_rows(mails, ["to", "cc", "reply_to", "headers"], narrow, json=True)
        outbound = OutboundEmail.objects.filter(ticket_id__in=ticket_ids)
        _scrub_rows(outbound, ["recipients", "subject"], narrow)
        inbound = InboundEmail.objects.filter(
            Q(ticket_id__in=ticket_ids) | Q(from_address__iexact=contact.email)
        )
        inbound.update(raw=b"", envelope_from="")
        _scrub_rows(inbound, ["from_address", "subject", "envelope_to"], narrow)
        _scrub_rows(
            Notification.objects.filter(ticket_id__in=ticket_ids), ["data"], narrow, json=True
        )
        SatisfactionRating.objects.filter(contact=contact).exclude(comment="").update(
            comment=ERASED
        )
        DeflectionEvent.objects.filter(contact=contact).update(query="")
        Invitation.objects.filter(email__iexact=contact.email).delete()
        channel_traces.erase(contact, narrow, (name, email))
        _scrub_audit(contact, wide, name)
        _scrub_admin_log(contact, wide)

        user = contact.user
        if user is not None:
            Notification.objects.filter(recipient=user).delete()
            user.username = f"erased-{contact.pk}-{user.pk}"
            user.email = email
            user.first_name = user.last_name = user.signature = ""
            user.notification_preferences = {}
            user.is_active = False
            user.set_unusable_password()
            user.save()
        contact.organizations.clear()
        contact.name, contact.email, contact.phone = name, email, ""
        contact.save(update_fields=["name", "email", "phone"])
        search.index_tickets(ticket_ids + other_ids)
        log.record(
            actor,
            "privacy.erased",
            log.Target("contact", str(contact.pk), name),
            tickets=result.tickets,
            messages=result.messages,
            attachments=result.attachments,
        )
    return result


def _other_tickets(contact: Contact, requested: list[int]) -> list[int]:
    copied = Ticket.objects.filter(cc=contact).values_list("pk", flat=True)
    wrote = Message.objects.filter(author_contact=contact).values_list("ticket_id", flat=True)
    return sorted((set(copied) | set(wrote)) - set(requested))


def _scrub_audit(contact: Contact, scrubber: Scrubber, pseudonym: str) -> None:
    AuditEntry.objects.filter(target_type__in=["contact", "accounts.contact"]).filter(
        target_id=str(contact.pk)
    ).update(target_label=pseudonym)
    if contact.user_id:
        AuditEntry.objects.filter(actor_id=contact.user_id).update(actor_label=pseudonym)
        AuditEntry.objects.filter(
            target_type__in=["user", "accounts.user"], target_id=str(contact.user_id)
        ).update(target_label=pseudonym)
    # failed sign-ins name what was typed, which may be their address
    named = Q(target_label__icontains=contact.email)
    if contact.user is not None:
        named |= Q(target_label__iexact=contact.user.username)
    ids = list(AuditEntry.objects.filter(named).values_list("pk", flat=True))
    _scrub_rows(AuditEntry.objects.filter(pk__in=ids), ["target_label"], scrubber)
    _scrub_rows(AuditEntry.objects.filter(pk__in=ids), ["details"], scrubber, json=True)


def _scrub_admin_log(contact: Contact, scrubber: Scrubber) -> None:
    kinds = [ContentType.objects.get_for_model(Contact)]
    rows = Q(content_type=kinds[0], object_id=str(contact.pk))
    if contact.user_id:
        rows |= Q(
            content_type=ContentType.objects.get_for_model(User),
            object_id=str(contact.user_id),
        )
    _scrub_rows(LogEntry.objects.filter(rows), ["object_repr", "change_message"], scrubber)
