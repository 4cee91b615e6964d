"""Everything stored about a contact, as a ZIP: `data.json` and their attachments.

The archive is written to a temporary file (memory stays flat whatever the size: message
rows are read in chunks and attachments copied in blocks) and streamed from there."""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q

from ticketdesk.accounts.models import Contact
from ticketdesk.audit import log
from ticketdesk.channels.email.models import InboundEmail
from ticketdesk.notifications.models import Notification
from ticketdesk.portal.models import (
    ConsentAcceptance,
    CsatRequest,
    DeflectionEvent,
    Invitation,
    SatisfactionRating,
)
from ticketdesk.privacy import channel_traces
from ticketdesk.tickets.models import Attachment, Message, MessageKind, Ticket


def _profile(contact: Contact) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": contact.pk,
        "email": contact.email,
        "name": contact.name,
        "phone": contact.phone,
        "language": contact.language,
        "created_at": contact.created_at,
    }
    if contact.user_id and contact.user is not None:
        user = contact.user
        profile["account"] = {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": user.language,
            "time_zone": user.time_zone,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "notification_preferences": user.notification_preferences,
        }
    return profile


def _messages(contact: Contact) -> Iterator[dict[str, Any]]:
    """Their messages, and the public replies on the tickets they requested."""
    rows = (
        Message.objects.filter(
            Q(author_contact=contact) | Q(ticket__requester=contact, kind=MessageKind.PUBLIC)
        )
        .select_related("ticket")
        .order_by("id")
    )
    for message in rows.iterator(chunk_size=500):
        yield {
            "id": message.pk,
            "ticket": message.ticket.number,
            "written_by_contact": message.author_contact_id == contact.pk,
            "kind": message.kind,
            "channel": message.channel,
            "created_at": message.created_at,
            "body_text": message.body_text,
        }


def _attachments(contact: Contact) -> list[Attachment]:
    return list(
        Attachment.objects.filter(message__author_contact=contact)
        .select_related("ticket")
        .order_by("id")
    )


def collect(contact: Contact) -> dict[str, Any]:
    """Everything about `contact`, JSON-ready (without the attachments' bytes)."""
    tickets = Ticket.objects.filter(requester=contact).select_related("status").order_by("number")
    user_id = contact.user_id
    return {
        "profile": _profile(contact),
        "organizations": [
            {"id": o.pk, "name": o.name} for o in contact.organizations.order_by("name")
        ],
        "tickets_requested": [
            {
                "number": t.number,
                "subject": t.subject,
                "description": t.description,
                "status": str(t.status),
                "channel": t.channel,
                "created_at": t.created_at,
                "closed_at": t.closed_at,
            }
            for t in tickets.iterator(chunk_size=500)
        ],
        "tickets_cc": list(contact.cc_tickets.order_by("number").values_list("number", flat=True)),
        "messages": list(_messages(contact)),
        "attachments": [
            {
                "id": a.pk,
                "ticket": a.ticket.number,
                "message": a.message_id,
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "file": f"attachments/{a.pk}-{a.original_name}",
            }
            for a in _attachments(contact)
        ],
        "ratings": list(
            SatisfactionRating.objects.filter(contact=contact)
            .order_by("id")
            .values("ticket__number", "scale", "score", "comment", "created_at")
        ),
        "portal_activity": {
            "article_views": list(
                DeflectionEvent.objects.filter(contact=contact)
                .order_by("id")
                .values("article_id", "query", "outcome", "ticket__number", "created_at")
            ),
            "rating_requests": list(
                CsatRequest.objects.filter(contact=contact)
                .order_by("id")
                .values("ticket__number", "sent_at")
            ),
            "invitations": list(
                Invitation.objects.filter(email__iexact=contact.email)
                .order_by("id")
                .values("created_at", "accepted_at")
            ),
            "consents": list(
                ConsentAcceptance.objects.filter(contact=contact)
                .order_by("id")
                .values("form", "text", "language", "accepted_at")
            ),
        },
        **channel_traces.export(contact),
        "emails_received_from": list(
            InboundEmail.objects.filter(from_address__iexact=contact.email)
            .order_by("id")
            .values("subject", "received_at", "ticket__number")
        ),
        "notifications": list(
            Notification.objects.filter(recipient_id=user_id)
            .order_by("id")
            .values("verb", "ticket__number", "data", "created_at", "read_at")
        )
        if user_id
        else [],
    }


def write_zip(contact: Contact, out: IO[bytes]) -> None:
    data = collect(contact)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
        for attachment in _attachments(contact):
            name = f"attachments/{attachment.pk}-{attachment.original_name}"
            try:
                with attachment.file.open("rb") as source, archive.open(name, "w") as target:
                    shutil.copyfileobj(source, target, 1024 * 1024)
            except FileNotFoundError:
                continue  # removed by a retention rule: data.json still lists it


def export_contact(contact: Contact, *, actor: Any) -> IO[bytes]:
    """The contact's archive as an open temporary file (at its start); audited."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - the caller (a FileResponse) closes it
    write_zip(contact, spool)
    spool.seek(0)
    log.record(actor, "privacy.exported", log.Target("contact", str(contact.pk), str(contact)))
    return spool
