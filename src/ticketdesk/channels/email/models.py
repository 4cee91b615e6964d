"""Models of the email channel: mailboxes we receive on, every inbound message as received
(raw bytes kept first, before any parsing), and every message we sent (for threading)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Team
from ticketdesk.core.encryption import EncryptedTextField
from ticketdesk.tickets.models import Category, Message, Ticket, TicketType


class ClosedReplyRule(models.TextChoices):
    REOPEN = "reopen", _("Reopen the ticket")
    FOLLOW_UP = "follow_up", _("Open a follow-up ticket")


class AuthMethod(models.TextChoices):
    PASSWORD = "password", _("Password")
    OAUTH2 = "oauth2", _("OAuth2 (XOAUTH2)")


class Mailbox(models.Model):
    """An address we receive mail on, optionally polled over IMAP, with the defaults given to
    the tickets it opens."""

    name = models.CharField(_("name"), max_length=100)
    address = models.EmailField(_("address"), unique=True)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mailboxes",
        verbose_name=_("default team"),
    )
    ticket_type = models.ForeignKey(
        TicketType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default type"),
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default category"),
    )
    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True, default="")
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_user = models.CharField(_("IMAP user"), max_length=255, blank=True, default="")
    imap_password = EncryptedTextField(_("IMAP password"), blank=True, default="")
    auth_method = models.CharField(
        _("IMAP authentication"),
        max_length=10,
        choices=AuthMethod.choices,
        default=AuthMethod.PASSWORD,
        help_text=_("Microsoft 365 and Google require OAuth2: basic authentication is refused."),
    )
    # OAuth2: the secrets are stored like the IMAP password (encrypted at rest)
    oauth2_token_url = models.URLField(_("OAuth2 token endpoint"), blank=True, default="")
    oauth2_client_id = models.CharField(
        _("OAuth2 client ID"), max_length=255, blank=True, default=""
    )
    oauth2_client_secret = EncryptedTextField(_("OAuth2 client secret"), blank=True, default="")
    oauth2_refresh_token = EncryptedTextField(_("OAuth2 refresh token"), blank=True, default="")
    oauth2_scopes = models.CharField(
        _("OAuth2 scopes"),
        max_length=500,
        blank=True,
        default="",
        help_text=_("Separated by spaces."),
    )
    oauth2_access_token = EncryptedTextField(blank=True, default="")
    oauth2_access_token_expires_at = models.DateTimeField(null=True, blank=True)
    imap_ssl = models.BooleanField(_("IMAP over TLS"), default=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    move_to_folder = models.CharField(
        _("move processed mail to"),
        max_length=255,
        blank=True,
        default="",
        help_text=_("Empty: processed mail stays in the folder, marked as seen."),
    )
    closed_reply_rule = models.CharField(
        _("reply to a closed ticket"),
        max_length=10,
        choices=ClosedReplyRule.choices,
        default=ClosedReplyRule.FOLLOW_UP,
    )
    send_acknowledgement = models.BooleanField(_("acknowledge new tickets"), default=True)
    active = models.BooleanField(_("active"), default=True)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")

    class Meta:
        ordering = ["address"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.address

    @property
    def polls_imap(self) -> bool:
        return bool(self.imap_host and self.imap_user)


class InboundState(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    QUARANTINED = "quarantined", _("Quarantined")
    DUPLICATE = "duplicate", _("Duplicate")
    IGNORED = "ignored", _("Ignored")
    HELD = "held", _("Held for review")
    REJECTED = "rejected", _("Rejected")


class ThreadReason(models.TextChoices):
    NONE = "", _("Not threaded")
    HEADER = "header", _("In-Reply-To / References header")
    TOKEN = "token", _("Ticket number in the subject")
    NEW = "new", _("New ticket")
    FOLLOW_UP = "follow_up", _("Follow-up of a closed ticket")
    BOUNCE = "bounce", _("Delivery failure report")
    SIGNED = "signed", _("Signed reply address")


class SenderCheck(models.TextChoices):
    """How the sender of an agent's mail was authenticated (never by the From alone)."""

    NONE = "", _("Not needed (not an agent's address)")
    REPLY_ADDRESS = "reply_address", _("Signed reply address")
    DMARC = "dmarc", _("DMARC pass (trusted mail server)")
    DKIM = "dkim", _("Aligned DKIM signature (trusted mail server)")
    RELEASED = "released", _("Released by an administrator")


class Source(models.TextChoices):
    PIPE = "pipe", _("Pipe")
    IMAP = "imap", _("IMAP")
    SMTP = "smtp", _("SMTP/LMTP")


class InboundEmail(models.Model):
    """One delivery of one message. The raw bytes are written before anything is parsed, so a
    message that cannot be processed is quarantined, never lost."""

    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    raw = models.BinaryField(_("raw message"))
    size = models.PositiveIntegerField(_("size"), default=0)
    sha256 = models.CharField(
        _("content hash"),
        max_length=64,
        help_text=_("Of the identifying headers and the body: unchanged by relaying."),
    )
    email_message_id = models.CharField(_("Message-ID"), max_length=998, blank=True, default="")
    dedupe_key = models.CharField(max_length=140, null=True, blank=True, unique=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    envelope_from = models.CharField(max_length=998, blank=True, default="")
    envelope_to = models.TextField(blank=True, default="")
    from_address = models.CharField(_("from"), max_length=320, blank=True, default="")
    subject = models.CharField(_("subject"), max_length=250, blank=True, default="")
    received_at = models.DateTimeField(_("received"))
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=InboundState.choices, default=InboundState.RECEIVED
    )
    reason = models.TextField(_("reason"), blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_emails"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_emails"
    )
    thread_reason = models.CharField(
        _("threaded by"), max_length=10, choices=ThreadReason.choices, blank=True, default=""
    )
    no_auto_reply = models.CharField(
        _("no automatic reply because"), max_length=200, blank=True, default=""
    )
    limits_noted = models.JSONField(default=list, blank=True)
    sender_check = models.CharField(
        _("sender authenticated by"),
        max_length=20,
        choices=SenderCheck.choices,
        blank=True,
        default="",
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        indexes = [
            models.Index(fields=["state", "received_at", "id"], name="inbound_state"),
            models.Index(fields=["email_message_id"], name="inbound_msgid"),
        ]

    def __str__(self) -> str:
        return f"{self.email_message_id or self.pk} ({self.state})"


class OutboundKind(models.TextChoices):
    REPLY = "reply", _("Agent reply")
    ACKNOWLEDGEMENT = "ack", _("Acknowledgement")
    NOTICE = "notice", _("Limit notice")


class OutboundEmail(models.Model):
    """A message we sent: its Message-ID lets replies thread back to the ticket."""

    email_message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    dedupe_key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=OutboundKind.choices)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="outbound_emails")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound_emails"
    )
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound"
    )
    recipients = models.TextField(_("recipients"), blank=True, default="")
    subject = models.CharField(_("subject"), max_length=300, blank=True, default="")
    in_reply_to = models.CharField(max_length=998, blank=True, default="")
    # the queued mail: its state (waiting, sent, given up), attempts and last error
    mail = models.ForeignKey(
        "core.OutgoingMail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("mail"),
    )
    bounced_at = models.DateTimeField(_("bounced"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="outbound_ticket"),
        ]

    def __str__(self) -> str:
        return self.email_message_id

    @property
    def sent_at(self) -> Any:
        return self.mail.sent_at if self.mail is not None else None
