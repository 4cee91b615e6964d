"""Inbound: a stored message (see accept), normalised again by the adapter from its
delivery's body, becomes a ticket message with the same threading as email: an open (or
resolved) ticket of that contact on that channel gets the message as a reply; otherwise a
new ticket opens on the channel. The worker calls this (inbound_queue), one message per
transaction; the row is marked processed in that same transaction, so it is taken in once.

Media is downloaded before the database transaction, under the attachment size limit; what
is too large or cannot be fetched is named in the message, as email does."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ticketdesk.core import clock
from ticketdesk.core.html import text_to_html
from ticketdesk.tickets import actions
from ticketdesk.tickets.actions.attachments import AttachmentInput, sanitize_filename
from ticketdesk.tickets.models import ACTIVE_CATEGORIES, Message, StatusCategory, Ticket

from . import provider_api
from .adapters import Adapter, MediaRef, NormalisedMessage, adapter_for
from .contacts import identity_for
from .models import ChannelAccount, InboundMessage, InboundStatus

logger = logging.getLogger(__name__)
THREAD_CATEGORIES = (*ACTIVE_CATEGORIES, StatusCategory.RESOLVED)
MAX_MEDIA_PER_MESSAGE = 10
SUBJECT_CHARS = 80


class Unreadable(Exception):
    """The stored delivery no longer yields its message (nothing to retry)."""


def message_of(account: ChannelAccount, inbound: InboundMessage) -> NormalisedMessage:
    """The stored message, read again from its delivery's body by the adapter."""
    try:
        payload = json.loads(inbound.body)
    except ValueError as exc:
        raise Unreadable(f"the stored body is not JSON: {exc}") from exc
    for incoming in adapter_for(account.provider).parse(account, payload):
        if incoming.provider_message_id[:200] == inbound.provider_message_id:
            return incoming
    raise Unreadable("the stored delivery does not hold this message")


def take_in(
    account: ChannelAccount,
    inbound: InboundMessage,
    incoming: NormalisedMessage,
    files: list[AttachmentInput],
    notes: list[str],
) -> bool:
    """Inside the caller's transaction: the message onto its ticket (a reply, or a new
    ticket), and the row marked processed — only if our claim still holds it (False: another
    worker took it over; the caller rolls back)."""
    inbound.identity = identity_for(account, incoming)
    inbound.limits_noted = notes
    _post(account, inbound, incoming, files, notes)
    return (
        InboundMessage.objects.filter(
            pk=inbound.pk, claim=inbound.claim, status=InboundStatus.PENDING
        ).update(
            status=InboundStatus.PROCESSED,
            identity=inbound.identity,
            ticket=inbound.ticket,
            message=inbound.message,
            limits_noted=notes,
            processed_at=clock.now(),
            claim="",
            last_error="",
            body="",  # the message is on the ticket now: the raw delivery is not kept twice
        )
        == 1
    )


def find_open_ticket(inbound: InboundMessage, channel: str) -> Ticket | None:
    assert inbound.identity is not None
    return (
        Ticket.objects.filter(
            requester_id=inbound.identity.contact_id,
            channel=channel,
            status_category__in=THREAD_CATEGORIES,
        )
        .only("id")  # the action re-reads it under a row lock
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
    assert inbound.identity is not None
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


def subject_for(account: ChannelAccount, inbound: InboundMessage, text: str) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first_line:
        if len(first_line) > SUBJECT_CHARS:
            first_line = first_line[: SUBJECT_CHARS - 1].rstrip() + "…"
        return first_line
    assert inbound.identity is not None
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
