"""The chat's transcript, emailed to the visitor on request: an intent row in core's mail
queue (sent by the worker after commit), at most MAX_TRANSCRIPTS per chat."""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from ticketdesk.core import mail
from ticketdesk.core.errors import Conflict

from . import queries
from .models import ChatConversation

MAX_TRANSCRIPTS = 3


def email_transcript(chat: ChatConversation) -> None:
    with transaction.atomic():
        chat = ChatConversation.objects.select_for_update().select_related("ticket").get(pk=chat.pk)
        if chat.transcripts_sent >= MAX_TRANSCRIPTS:
            raise Conflict(_("The transcript was already sent."))
        chat.transcripts_sent += 1
        chat.save(update_fields=["transcripts_sent"])
        lines = [
            {
                "at": event.created_at,
                "author": (
                    chat.visitor_name
                    if event.from_visitor
                    else (
                        event.message.author_user.display_name
                        if event.message and event.message.author_user
                        else ""
                    )
                ),
                "text": event.message.body_text if event.message else "",
            }
            for event in queries.transcript(chat)
        ]
        with translation.override(chat.language or None):
            context = {"chat": chat, "lines": lines, "ticket": chat.ticket}
            subject = _("Your chat with us [#%(number)s]") % {"number": chat.ticket.number}
            body = render_to_string("chat/transcript.txt", context)
        mail.queue_mail(
            dedupe_key=f"chat-transcript:{chat.pk}:{chat.transcripts_sent}",
            to=[chat.visitor_email],
            subject=subject,
            body=body,
            ticket_id=chat.ticket_id,
            purpose="chat-transcript",
        )
