"""Live chat: a conversation is a ticket on the chat channel (its messages are the ticket's
messages); `ChatEvent` is the ordered feed the visitor's and the agents' streams read (the
messages, typing, joins, transfers, the end), and `ChatAgent` an agent's chat availability."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ticketdesk.accounts.models import Team, User
from ticketdesk.tickets.models import Message, Ticket

from .origin_syntax import validate_origins

DEFAULT_MAX_CHATS = 3


class ChatStatus(models.TextChoices):
    # shown after "Ticket #N" in the console: the context lets a language make the
    # adjective agree (pt_BR "Chamado #N · Ativo"), apart from other "Active"s
    WAITING = "waiting", pgettext_lazy("chat status", "Waiting")
    ACTIVE = "active", pgettext_lazy("chat status", "Active")
    ENDED = "ended", pgettext_lazy("chat status", "Ended")


class ChatConversation(models.Model):
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="chat")
    status = models.CharField(
        _("status"), max_length=10, choices=ChatStatus.choices, default=ChatStatus.WAITING
    )
    agent = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="chats"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="chats"
    )
    visitor_name = models.CharField(_("name"), max_length=200)
    visitor_email = models.EmailField(_("email"))
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    page_url = models.CharField(_("page"), max_length=1000, blank=True)
    page_title = models.CharField(_("page title"), max_length=300, blank=True)
    origin = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(_("started"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # the visitor's last sign of life: a message, typing, their event stream open (touched
    # at most every minute); a live chat without one for long ends by itself (abandoned)
    visitor_seen_at = models.DateTimeField(_("visitor last seen"), null=True, blank=True)
    transcripts_sent = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("chat")
        verbose_name_plural = _("chats")
        indexes = [
            models.Index(fields=["status", "created_at"], name="chat_status_created"),
            models.Index(fields=["agent", "status"], name="chat_agent_status"),
            models.Index(fields=["status", "visitor_seen_at"], name="chat_status_seen"),
        ]

    def __str__(self) -> str:
        return f"{self.visitor_name} ({self.get_status_display()})"

    @property
    def is_live(self) -> bool:
        return self.status != ChatStatus.ENDED


class ChatEventKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    TYPING = "typing", _("Typing")
    QUEUED = "queued", _("Waiting for an agent")
    ACCEPTED = "accepted", _("Accepted")
    TRANSFERRED = "transferred", _("Transferred")
    ENDED = "ended", _("Ended")


# the kinds every console hears (the queue changes); the others reach the chat's agent only
QUEUE_KINDS = (
    ChatEventKind.QUEUED,
    ChatEventKind.ACCEPTED,
    ChatEventKind.TRANSFERRED,
    ChatEventKind.ENDED,
)


class ChatEvent(models.Model):
    conversation = models.ForeignKey(
        ChatConversation, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=12, choices=ChatEventKind.choices)
    from_visitor = models.BooleanField(default=False)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["conversation", "id"], name="chat_event_conversation"),
            models.Index(fields=["kind", "id"], name="chat_event_kind"),
            models.Index(fields=["created_at"], name="chat_event_created"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.kind}"


class ChatPresence(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")


class ChatAgent(models.Model):
    """An agent's chat availability: online agents are offered chats (the widget offers chat
    while one is online and under their limit); without a row an agent is away."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="chat_agent")
    status = models.CharField(
        _("status"), max_length=10, choices=ChatPresence.choices, default=ChatPresence.AWAY
    )
    max_chats = models.PositiveIntegerField(
        _("concurrent chats"),
        default=DEFAULT_MAX_CHATS,
        help_text=_("Most chats at once; routing's capacity, when lower, applies."),
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chat agent")
        verbose_name_plural = _("chat agents")
        indexes = [models.Index(fields=["status"], name="chat_agent_presence")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_status_display()}"


class ChatWidgetSettings(models.Model):
    """The chat widget's settings (one row): the other sites that may embed it, as origins
    ("https://www.example.com", "http://localhost:8080"). The desk's own address and the
    origins of the TICKETDESK_CHAT_ORIGINS environment variable are allowed besides."""

    allowed_origins = models.JSONField(
        _("sites allowed to embed the chat"),
        default=list,
        blank=True,
        validators=[validate_origins],
    )

    class Meta:
        verbose_name = _("chat widget settings")
        verbose_name_plural = _("chat widget settings")

    def __str__(self) -> str:
        return str(_("Chat widget settings"))

    @classmethod
    def current(cls) -> ChatWidgetSettings:
        found, _created = cls.objects.get_or_create(pk=1)
        return found
