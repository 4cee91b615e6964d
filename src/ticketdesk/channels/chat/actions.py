"""Every change to a live chat. The ticket side goes through tickets.actions (a chat is a
ticket on the chat channel: open_ticket, reply, assign); each change also appends a ChatEvent
in the same transaction and signals the streams (realtime.publish), so the visitor and the
agents hear of it once it commits."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from ticketdesk.accounts import actions as account_actions
from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Team, User
from ticketdesk.core import clock
from ticketdesk.core.errors import Conflict, ValidationFailed
from ticketdesk.tickets import actions as ticket_actions
from ticketdesk.tickets.actions import AttachmentInput
from ticketdesk.tickets.models import Channel, Message, Ticket

from . import queries, realtime
from .models import (
    ChatAgent,
    ChatConversation,
    ChatEvent,
    ChatEventKind,
    ChatStatus,
    ChatWidgetSettings,
)
from .origin_syntax import parse_origin

MAX_TEXT = 5000


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _event(
    chat: ChatConversation,
    kind: str,
    *,
    from_visitor: bool = False,
    message: Message | None = None,
    **data: Any,
) -> ChatEvent:
    event = ChatEvent.objects.create(
        conversation=chat,
        kind=kind,
        from_visitor=from_visitor,
        message=message,
        data=data,
        created_at=clock.now(),
    )
    realtime.publish(chat.pk)
    return event


def _visitor(name: str, email: str, fields: dict[str, list[str]] | None = None) -> tuple[str, str]:
    """The visitor's cleaned name and email; every wrong field (with `fields` already found)
    raises at once."""
    name = " ".join((name or "").split())[:200]
    email = (email or "").strip()
    fields = dict(fields or {})
    if not name:
        fields["name"] = [_("This field is required.")]
    try:
        validate_email(email)
    except ValidationError:
        fields["email"] = [_("Enter a valid email address.")]
    if fields:
        raise ValidationFailed(_("Some fields are not valid."), fields=fields)
    return name, email


def _text(text: str, attachments: Sequence[AttachmentInput] = ()) -> str:
    text = (text or "").strip()
    if not text and not attachments:
        raise ValidationFailed(
            _("Write a message."), fields={"text": [_("This field is required.")]}
        )
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            _("The message is too long."),
            fields={"text": [_("At most %(n)s characters.") % {"n": MAX_TEXT}]},
        )
    return text


def start_chat(
    *,
    name: str,
    email: str,
    topic: str,
    message: str = "",
    page_url: str = "",
    page_title: str = "",
    origin: str = "",
    language: str = "",
) -> tuple[ChatConversation, str]:
    """A visitor asks to chat: a ticket on the chat channel with their first words, waiting
    in the queue. Returns the chat and its secret token (only its hash is kept)."""
    topic = " ".join((topic or "").split())[:200]
    name, email = _visitor(name, email, {} if topic else {"topic": [_("This field is required.")]})
    body = _text(message or topic)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        contact = account_actions.get_or_create_contact(email, name, language=language[:10])
        ticket = ticket_actions.open_ticket(
            requester=contact,
            subject=topic,
            body=body,
            markdown=False,
            channel=Channel.CHAT,
            actor=None,
        )
        # the chat waits in its team's queue when one of the team is online; otherwise every
        # online agent sees it (the widget offered chat because someone is online)
        chat = ChatConversation.objects.create(
            ticket=ticket,
            team=ticket.team if queries.team_can_answer(ticket.team_id) else None,
            visitor_name=name,
            visitor_email=email,
            topic=topic,
            token_hash=token_hash(token),
            page_url=page_url[:1000] if page_url.startswith(("http://", "https://")) else "",
            page_title=page_title[:300],
            origin=origin[:300],
            language=language[:10],
            created_at=clock.now(),
            visitor_seen_at=clock.now(),
        )
        first = ticket.messages.order_by("id").first()
        _event(chat, ChatEventKind.QUEUED)
        _event(chat, ChatEventKind.MESSAGE, from_visitor=True, message=first)
    return chat, token


def leave_message(*, name: str, email: str, topic: str, message: str, language: str = "") -> Ticket:
    """No agent is online: the visitor's message becomes a ticket on the chat channel, answered
    by email."""
    name, email = _visitor(name, email)
    body = _text(message)
    with transaction.atomic():
        contact = account_actions.get_or_create_contact(email, name, language=language[:10])
        return ticket_actions.open_ticket(
            requester=contact,
            subject=" ".join((topic or "").split())[:200] or body[:80],
            body=body,
            markdown=False,
            channel=Channel.CHAT,
            actor=None,
        )


def visitor_says(
    chat: ChatConversation, text: str, attachments: Sequence[AttachmentInput] = ()
) -> Message:
    text = _text(text, attachments)
    if not chat.is_live:
        raise Conflict(_("This chat has ended."))
    with transaction.atomic():
        _seen(chat)
        message = ticket_actions.reply(
            chat.ticket,
            actor=None,
            author_contact=chat.ticket.requester,
            body=text,
            markdown=False,
            channel=Channel.CHAT,
            attachments=attachments,
        )
        _event(chat, ChatEventKind.MESSAGE, from_visitor=True, message=message)
    return message


def agent_says(
    chat: ChatConversation,
    agent: User,
    text: str,
    attachments: Sequence[AttachmentInput] = (),
) -> Message:
    """The agent's words in the chat: a public reply on the chat channel (it counts as the
    first response; it is not mailed — the visitor reads it in the widget)."""
    text = _text(text, attachments)
    policy.require(agent, policy.HANDLE_CHAT, chat)
    if not chat.is_live:
        raise Conflict(_("This chat has ended; reply on its ticket to answer by email."))
    with transaction.atomic():
        message = ticket_actions.reply(
            chat.ticket,
            actor=agent,
            body=text,
            markdown=False,
            channel=Channel.CHAT,
            attachments=attachments,
        )
        _event(chat, ChatEventKind.MESSAGE, message=message, author=agent.display_name)
    return message


def typing(chat: ChatConversation, *, agent: User | None = None) -> None:
    """Someone is typing (the widget and the console say so at most every few seconds)."""
    if not chat.is_live:
        return
    if agent is not None:
        policy.require(agent, policy.HANDLE_CHAT, chat)
    with transaction.atomic():
        if agent is None:
            _seen(chat)
        _event(chat, ChatEventKind.TYPING, from_visitor=agent is None)


def _seen(chat: ChatConversation) -> None:
    now = clock.now()
    ChatConversation.objects.filter(pk=chat.pk).update(visitor_seen_at=now)
    chat.visitor_seen_at = now


def visitor_seen(chat_id: int) -> None:
    """The visitor's widget is open (their event stream runs): the chat is not abandoned."""
    ChatConversation.objects.filter(pk=chat_id).exclude(status=ChatStatus.ENDED).update(
        visitor_seen_at=clock.now()
    )


def _locked(chat: ChatConversation) -> ChatConversation:
    return ChatConversation.objects.select_for_update().select_related("ticket").get(pk=chat.pk)


def _check_room(agent: User) -> None:
    if queries.open_chat_count(agent) >= queries.chat_limit(agent):
        raise Conflict(
            _("%(name)s already has as many chats as they can take.") % {"name": agent.display_name}
        )


def accept(chat: ChatConversation, agent: User) -> ChatConversation:
    policy.require(agent, policy.TAKE_CHAT, chat)
    with transaction.atomic():
        chat = _locked(chat)
        if chat.status != ChatStatus.WAITING:
            raise Conflict(_("Another agent has already taken this chat."))
        _check_room(agent)
        ticket_actions.assign(chat.ticket, assignee=agent, actor=agent)
        chat.status, chat.agent = ChatStatus.ACTIVE, agent
        chat.accepted_at = chat.accepted_at or clock.now()
        chat.save(update_fields=["status", "agent", "accepted_at"])
        _event(chat, ChatEventKind.ACCEPTED, agent=agent.display_name, agent_id=agent.pk)
    return chat


def transfer(
    chat: ChatConversation,
    actor: User,
    *,
    to_agent: User | None = None,
    to_team: Team | None = None,
) -> ChatConversation:
    """Hand the chat to another agent (it stays active, now theirs) or to a team (it waits in
    that team's queue)."""
    policy.require(actor, policy.HANDLE_CHAT, chat)
    if (to_agent is None) == (to_team is None):
        raise ValidationFailed(
            _("Choose an agent or a team."), fields={"to": [_("Choose an agent or a team.")]}
        )
    with transaction.atomic():
        chat = _locked(chat)
        if not chat.is_live:
            raise Conflict(_("This chat has ended."))
        if to_agent is not None:
            if not policy.is_agent(to_agent) or to_agent.pk == chat.agent_id:
                raise ValidationFailed(
                    _("Choose another agent."), fields={"to": [_("Choose another agent.")]}
                )
            _check_room(to_agent)
            ticket_actions.assign(chat.ticket, assignee=to_agent, actor=actor)
            chat.agent, chat.status = to_agent, ChatStatus.ACTIVE
            data: dict[str, Any] = {"agent": to_agent.display_name, "agent_id": to_agent.pk}
        else:
            assert to_team is not None
            ticket_actions.assign(chat.ticket, assignee=None, team=to_team, actor=actor)
            chat.agent, chat.team, chat.status = None, to_team, ChatStatus.WAITING
            data = {"team": to_team.name, "team_id": to_team.pk}
        chat.save(update_fields=["agent", "team", "status"])
        _event(chat, ChatEventKind.TRANSFERRED, by=actor.display_name, **data)
    return chat


def end(chat: ChatConversation, *, agent: User | None = None) -> ChatConversation:
    """The visitor (agent=None) or the chat's agent ends the chat. The ticket stays open:
    an agent's reply on it from now on goes by email."""
    if agent is not None:
        policy.require(agent, policy.HANDLE_CHAT, chat)
    with transaction.atomic():
        chat = _locked(chat)
        if not chat.is_live:
            return chat
        chat.status, chat.ended_at = ChatStatus.ENDED, clock.now()
        chat.save(update_fields=["status", "ended_at"])
        _event(chat, ChatEventKind.ENDED, from_visitor=agent is None)
    return chat


def end_abandoned(chat_id: int) -> bool:
    """End a live chat whose visitor has left (queries.visitor_gone): like the visitor's own
    "End the chat" (the ticket keeps its status and is continued by email), with an internal
    note on the ticket saying so; the widget, if still open, and the consoles hear it. Does
    nothing (False) when the chat has ended meanwhile or the visitor came back."""
    with transaction.atomic():
        chat = (
            ChatConversation.objects.select_for_update()
            .select_related("ticket")
            .filter(pk=chat_id)
            .first()
        )
        if chat is None or not chat.is_live or not queries.visitor_gone(chat):
            return False
        minutes = queries.idle_minutes(chat)
        chat.status, chat.ended_at = ChatStatus.ENDED, clock.now()
        chat.save(update_fields=["status", "ended_at"])
        ticket_actions.add_note(
            chat.ticket,
            actor=None,
            body=_(
                "The chat ended by itself: the visitor left (no message and no open chat "
                "window for %(minutes)s minutes)."
            )
            % {"minutes": minutes},
            markdown=False,
        )
        _event(chat, ChatEventKind.ENDED, from_visitor=True, reason="abandoned")
    return True


def set_presence(
    user: User, *, actor: User, status: str | None = None, max_chats: int | None = None
) -> ChatAgent:
    """Online or away for chats, and the most chats at once."""
    policy.require(actor, policy.ANSWER_CHATS)
    if user.pk != actor.pk:
        policy.require(actor, policy.SET_AVAILABILITY, user)
    if max_chats is not None and not 1 <= max_chats <= 20:
        raise ValidationFailed(
            _("Choose between 1 and 20 chats."), fields={"max_chats": [_("Enter 1 to 20.")]}
        )
    with transaction.atomic():
        row, _created = ChatAgent.objects.select_for_update().get_or_create(user=user)
        if status is not None:
            if status not in ("online", "away"):
                raise ValidationFailed(_("Unknown status."), fields={"status": [_("Unknown.")]})
            row.status = status
        if max_chats is not None:
            row.max_chats = max_chats
        row.updated_at = clock.now()
        row.save()
    return row


def save_widget_origins(*, actor: Any, origins: Sequence[str]) -> ChatWidgetSettings:
    """Set the other sites that may embed the chat widget (`scheme://host[:port]` each,
    written as browsers send them; empty lines are left out, repeats kept once)."""
    policy.require(actor, policy.MANAGE_SETTINGS)
    wanted: list[str] = []
    errors: list[str] = []
    for text in origins:
        if not text.strip():
            continue
        try:
            origin = parse_origin(text)
        except ValueError as error:
            errors.append(str(error))
            continue
        if origin not in wanted:
            wanted.append(origin)
    if errors:
        raise ValidationFailed(_("Some sites are not valid."), fields={"allowed_origins": errors})
    with transaction.atomic():
        widget = ChatWidgetSettings.objects.select_for_update().get_or_create(pk=1)[0]
        widget.allowed_origins = wanted
        widget.save()
    return widget
