"""Reads for live chat: the queue an agent sees, their chats, whether chat is offered, the
events a stream sends, a visitor's history. Lists are bounded and shaped for one query."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Prefetch, Q, QuerySet

from ticketdesk.accounts import policy
from ticketdesk.accounts.models import Team, User
from ticketdesk.core import clock
from ticketdesk.routing.models import AgentAvailability
from ticketdesk.tickets.models import Attachment, Ticket

from .models import (
    DEFAULT_MAX_CHATS,
    QUEUE_KINDS,
    ChatAgent,
    ChatConversation,
    ChatEvent,
    ChatEventKind,
    ChatPresence,
    ChatStatus,
)

QUEUE_LIMIT = 50
EVENT_BATCH = 100
HISTORY_LIMIT = 10


def chat_for_token(chat_id: int, token: str) -> ChatConversation | None:
    """The chat a widget's token opens (compared in constant time), or None."""
    chat = (
        ChatConversation.objects.select_related("ticket", "ticket__requester")
        .filter(pk=chat_id)
        .first()
    )
    if chat is None or not token:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    return chat if hmac.compare_digest(digest, chat.token_hash) else None


def presence(user: User) -> ChatAgent:
    return ChatAgent.objects.filter(user=user).first() or ChatAgent(user=user)


def open_chat_count(agent: User) -> int:
    return ChatConversation.objects.filter(agent=agent, status=ChatStatus.ACTIVE).count()


def chat_limit(agent: User) -> int:
    """The agent's chat limit; routing's capacity (most open tickets), when set and lower,
    applies too."""
    limit = presence(agent).max_chats or DEFAULT_MAX_CHATS
    capacity = (
        AgentAvailability.objects.filter(user=agent).values_list("capacity", flat=True).first()
    )
    return min(limit, capacity) if capacity else limit


def _agents_with_room() -> QuerySet[ChatAgent]:
    return (
        ChatAgent.objects.filter(status=ChatPresence.ONLINE, user__is_active=True)
        .annotate(open_chats=Count("user__chats", filter=Q(user__chats__status=ChatStatus.ACTIVE)))
        .filter(open_chats__lt=F("max_chats"))
    )


def chat_offered() -> bool:
    """Is an agent online for chat with room for one more? (The widget offers chat, or else
    "leave a message".)"""
    return _agents_with_room().exists()


def team_can_answer(team_id: int | None) -> bool:
    """Is one of the team's agents online for chat with room for one more?"""
    if team_id is None:
        return False
    return _agents_with_room().filter(user__team_memberships__team_id=team_id).exists()


def _shaped(qs: QuerySet[ChatConversation]) -> QuerySet[ChatConversation]:
    return qs.select_related("ticket", "agent", "team")


def queue(user: User) -> QuerySet[ChatConversation]:
    """The chats waiting for an agent that `user` may take, oldest first."""
    scope = policy.chat_queue_scope(user)
    if scope is None:
        return ChatConversation.objects.none()
    waiting = ChatConversation.objects.filter(scope, status=ChatStatus.WAITING)
    return _shaped(waiting).order_by("created_at", "id")[:QUEUE_LIMIT]


def my_chats(user: User) -> QuerySet[ChatConversation]:
    return _shaped(ChatConversation.objects.filter(agent=user, status=ChatStatus.ACTIVE)).order_by(
        "accepted_at", "id"
    )


def console_chat(user: User, chat_id: int) -> ChatConversation | None:
    """A chat the console may show: the user's own, or one they may take."""
    chat = _shaped(ChatConversation.objects.filter(pk=chat_id)).first()
    if chat is None:
        return None
    if policy.can(user, policy.HANDLE_CHAT, chat) or policy.can(user, policy.TAKE_CHAT, chat):
        return chat
    return None


def _events(qs: QuerySet[ChatEvent]) -> list[ChatEvent]:
    attachments = Attachment.objects.order_by("id").only(
        "id", "message_id", "original_name", "size"
    )
    return list(
        qs.select_related("message", "message__author_user")
        .prefetch_related(Prefetch("message__attachments", queryset=attachments))
        .order_by("id")[:EVENT_BATCH]
    )


def visitor_events(chat_id: int, after: int) -> list[ChatEvent]:
    """What the visitor's stream sends: everything of their chat but their own typing."""
    return _events(
        ChatEvent.objects.filter(conversation_id=chat_id, id__gt=after).exclude(
            kind=ChatEventKind.TYPING, from_visitor=True
        )
    )


def console_events(user: User, after: int) -> list[ChatEvent]:
    """What an agent's console stream sends: queue changes of the chats they may see, and
    everything of their own chats but their own typing."""
    scope = policy.chat_queue_scope(user)
    if scope is None:
        return []
    scoped = ChatConversation.objects.filter(scope).values("id")
    wanted = Q(kind__in=QUEUE_KINDS, conversation_id__in=scoped) | Q(conversation__agent=user)
    return _events(
        ChatEvent.objects.filter(wanted, id__gt=after).exclude(
            kind=ChatEventKind.TYPING, from_visitor=False
        )
    )


def transcript(chat: ChatConversation) -> list[ChatEvent]:
    return list(
        ChatEvent.objects.filter(conversation=chat, kind=ChatEventKind.MESSAGE)
        .select_related("message", "message__author_user")
        .order_by("id")[:1000]
    )


def last_event_id() -> int:
    return ChatEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def history(chat: ChatConversation) -> QuerySet[Ticket]:
    """The visitor's earlier tickets (any channel), newest first."""
    return (
        Ticket.objects.filter(requester_id=chat.ticket.requester_id)
        .exclude(pk=chat.ticket_id)
        .select_related("status")
        .only("id", "number", "subject", "channel", "created_at", "status__name")
        .order_by("-created_at")[:HISTORY_LIMIT]
    )


def transfer_choices(user: User) -> dict[str, Any]:
    agents = (
        User.objects.filter(chat_agent__status=ChatPresence.ONLINE, is_active=True)
        .exclude(pk=user.pk)
        .order_by("first_name", "last_name", "username")[:100]
    )
    teams = Team.objects.filter(active=True).order_by("name")[:100]
    return {"agents": list(agents), "teams": list(teams)}


def idle_minutes(chat: ChatConversation) -> int:
    """How long the visitor of `chat` may show no sign of life before it ends by itself."""
    if chat.status == ChatStatus.WAITING:
        return int(settings.TICKETDESK_CHAT_IDLE_WAITING_MINUTES)
    return int(settings.TICKETDESK_CHAT_IDLE_ACTIVE_MINUTES)


def _gone_filter(now: dt.datetime) -> Q:
    def idle_since(status: str, minutes: int) -> Q:
        cutoff = now - dt.timedelta(minutes=minutes)
        return Q(status=status) & (
            Q(visitor_seen_at__lt=cutoff) | Q(visitor_seen_at__isnull=True, created_at__lt=cutoff)
        )

    return idle_since(
        ChatStatus.WAITING, settings.TICKETDESK_CHAT_IDLE_WAITING_MINUTES
    ) | idle_since(ChatStatus.ACTIVE, settings.TICKETDESK_CHAT_IDLE_ACTIVE_MINUTES)


def abandoned_chat_ids(limit: int = 500) -> list[int]:
    """Live chats whose visitor has left: no message, typing or open event stream for the
    idle time of their state (waiting or accepted), oldest first."""
    return list(
        ChatConversation.objects.filter(_gone_filter(clock.now()))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def visitor_gone(chat: ChatConversation) -> bool:
    return ChatConversation.objects.filter(_gone_filter(clock.now()), pk=chat.pk).exists()
