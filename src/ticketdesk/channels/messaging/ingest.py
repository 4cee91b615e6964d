"""Inbound: a verified webhook's messages, normalised by the adapter, become ticket messages
with the same threading as email: an open (or resolved) ticket of that contact on that
channel gets the message as a reply; otherwise a new ticket opens on the channel.

Idempotent on the provider's message id: a redelivered webhook finds its InboundMessage row
and changes nothing (two deliveries at once: the unique constraint lets one win). Media is
downloaded before the database transaction, under the attachment size limit; what is too
large or cannot be fetched is named in the message, as email does."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ticketdesk.core import clock
from ticketdesk.core.html import text_to_html
from ticketdesk.tickets import actions
from ticketdesk.tickets.actions.attachments import AttachmentInput, sanitize_filename
from ticketdesk.tickets.models import ACTIVE_CATEGORIES, Message, StatusCategory, Ticket

from . import counters, provider_api
from .adapters import Adapter, MediaRef, NormalisedMessage, adapter_for
from .contacts import identity_for
from .models import ChannelAccount, InboundMessage

logger = logging.getLogger(__name__)
THREAD_CATEGORIES = (*ACTIVE_CATEGORIES, StatusCategory.RESOLVED)
MAX_MEDIA_PER_MESSAGE = 10
SUBJECT_CHARS = 80


def receive(account: ChannelAccount, payload: Any) -> list[InboundMessage]:
    """Every message of one webhook delivery (already verified)."""
    adapter = adapter_for(account.provider)
    return [
        inbound
        for incoming in adapter.parse(account, payload)
        if (inbound := ingest(account, adapter, incoming)) is not None
    ]


def _existing(account: ChannelAccount, provider_message_id: str) -> InboundMessage | None:
    return InboundMessage.objects.filter(
        account=account, provider_message_id=provider_message_id
    ).first()


def ingest(
    account: ChannelAccount, adapter: Adapter, incoming: NormalisedMessage
) -> InboundMessage | None:
    if not incoming.provider_message_id or not incoming.sender_id:
        return None
    key = incoming.provider_message_id[:200]
    existing = _existing(account, key)
    if existing is not None:
        counters.RECEIVED.labels(account.provider, "duplicate").inc()
        return existing
    files, notes = download_media(account, adapter, incoming.media)
    try:
        with transaction.atomic():
            with transaction.atomic():
                inbound = InboundMessage.objects.create(
                    account=account,
                    provider_message_id=key,
                    identity=identity_for(account, incoming),
                    sent_at=incoming.timestamp,
                    received_at=clock.now(),
                    limits_noted=notes,
                )
            _post(account, inbound, incoming, files, notes)
    except IntegrityError:
        existing = _existing(account, key)
        if existing is None:
            raise
        counters.RECEIVED.labels(account.provider, "duplicate").inc()
        return existing
    counters.RECEIVED.labels(account.provider, "processed").inc()
    return inbound


def find_open_ticket(inbound: InboundMessage, channel: str) -> Ticket | None:
    return (
        Ticket.objects.filter(
            requester_id=inbound.identity.contact_id,
            channel=channel,
            status_category__in=THREAD_CATEGORIES,
        )
        .order_by("-created_at", "-id")
        .first()
    )


def _post(
    account: ChannelAccount,
    inbound: InboundMessage,
    incoming: NormalisedMessage,
    files: list[AttachmentInput],
    notes: list[str],
) -> None:
    contact = inbound.identity.contact
    text = "\n\n".join(part for part in (incoming.text.strip(), *notes) if part)
    if not text and not files:
        text = _("(empty message)")
    html = text_to_html(text) if text else ""
    ticket = find_open_ticket(inbound, account.provider)
    message: Message | None
    if ticket is not None:
        message = actions.reply(
            ticket,
            actor=None,
            author_contact=contact,
            body=text,
            body_html=html,
            attachments=files,
            channel=account.provider,
            external_message_id=inbound.provider_message_id,
        )
    else:
        ticket = actions.open_ticket(
            requester=contact,
            subject=subject_for(account, inbound, incoming.text),
            channel=account.provider,
            actor=None,
            body=text,
            body_html=html,
            entrance_team=account.team,
            attachments=files,
            external_message_id=inbound.provider_message_id,
        )
        message = ticket.messages.order_by("id").first()
    inbound.ticket = ticket
    inbound.message = message
    inbound.save(update_fields=["ticket", "message"])


def subject_for(account: ChannelAccount, inbound: InboundMessage, text: str) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first_line:
        if len(first_line) > SUBJECT_CHARS:
            first_line = first_line[: SUBJECT_CHARS - 1].rstrip() + "…"
        return first_line
    who = inbound.identity.display_name or inbound.identity.external_id
    return _("%(provider)s message from %(name)s") % {
        "provider": account.get_provider_display(),
        "name": who,
    }


def download_media(
    account: ChannelAccount, adapter: Adapter, media: list[MediaRef]
) -> tuple[list[AttachmentInput], list[str]]:
    """The message's files (never inside a transaction) and notes on those not kept."""
    limit = int(settings.TICKETDESK["MAX_ATTACHMENT_BYTES"])
    files: list[AttachmentInput] = []
    notes: list[str] = []
    for index, ref in enumerate(media):
        name = sanitize_filename(ref.name or _("attachment"))
        if index >= MAX_MEDIA_PER_MESSAGE:
            notes.append(_("More files than the %(n)s kept per message.") % {"n": index})
            break
        try:
            files.append(adapter.download(account, ref, limit))
        except provider_api.TooBig as exc:
            notes.append(
                _(
                    "The attachment “%(name)s” (%(size)s) is larger than the limit of "
                    "%(limit)s and was not kept."
                )
                % {
                    "name": name,
                    "size": filesizeformat(exc.size),
                    "limit": filesizeformat(limit),
                }
            )
        except provider_api.ApiError as exc:
            logger.warning("media %s of %s could not be fetched: %s", ref.ref, account, exc)
            notes.append(
                _("The attachment “%(name)s” could not be fetched from %(provider)s.")
                % {"name": name, "provider": account.get_provider_display()}
            )
    return files, notes
