"""Messaging apps (Telegram, WhatsApp, Messenger, Instagram): the accounts we connect, the
people writing to us on them (identities, linked to accounts' contacts), what came in
(one row per provider message id: redeliveries change nothing) and what we send (intent
rows the sender delivers after commit, with retries and a dead letter)."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Contact, Team
from ticketdesk.core.encryption import EncryptedTextField
from ticketdesk.tickets.models import Channel, Message, Ticket


class Provider(models.TextChoices):
    TELEGRAM = Channel.TELEGRAM.value, _("Telegram")
    WHATSAPP = Channel.WHATSAPP.value, _("WhatsApp")
    MESSENGER = Channel.MESSENGER.value, _("Messenger")
    INSTAGRAM = Channel.INSTAGRAM.value, _("Instagram")


DEFAULT_API_BASE = {
    Provider.TELEGRAM: "https://api.telegram.org",
    Provider.WHATSAPP: "https://graph.facebook.com/v21.0",
    Provider.MESSENGER: "https://graph.facebook.com/v21.0",
    Provider.INSTAGRAM: "https://graph.facebook.com/v21.0",
}


def new_webhook_key() -> str:
    return secrets.token_urlsafe(18)


class ChannelAccount(models.Model):
    """One bot, business phone number or page. Its webhook URL is
    /channels/messaging/<webhook_key>/ (the key is unguessable; the signature still decides)."""

    provider = models.CharField(_("provider"), max_length=10, choices=Provider.choices)
    name = models.CharField(_("name"), max_length=100)
    webhook_key = models.CharField(
        _("webhook key"), max_length=40, unique=True, default=new_webhook_key
    )
    external_id = models.CharField(
        _("account id"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("WhatsApp: the phone number id; Messenger/Instagram: the page or account id."),
    )
    api_base_url = models.URLField(
        _("API base URL"),
        blank=True,
        default="",
        help_text=_("Empty: the provider's public API."),
    )
    access_token = EncryptedTextField(
        _("access token"),
        blank=True,
        default="",
        help_text=_("Telegram: the bot token; Meta: the system user or page access token."),
    )
    app_secret = EncryptedTextField(
        _("app secret"),
        blank=True,
        default="",
        help_text=_("Meta: the app secret that signs webhooks (X-Hub-Signature-256)."),
    )
    webhook_secret = EncryptedTextField(
        _("webhook secret"),
        blank=True,
        default="",
        help_text=_(
            "Telegram: the secret_token given to setWebhook; Meta: the verify token of the "
            "subscription handshake."
        ),
    )
    template_name = models.CharField(
        _("template outside the 24-hour window"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("WhatsApp: an approved template sent instead of a reply after 24 hours."),
    )
    template_language = models.CharField(
        _("template language"), max_length=10, blank=True, default="en_US"
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
    )
    allow_private = models.BooleanField(
        _("allow a private API address"),
        default=False,
        help_text=_("Only for a local test server of the provider's API."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("messaging account")
        verbose_name_plural = _("messaging accounts")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_provider_display()})"

    @property
    def api_base(self) -> str:
        return (self.api_base_url or DEFAULT_API_BASE[Provider(self.provider)]).rstrip("/")


class Identity(models.Model):
    """Someone on a messaging account: their platform id (a WhatsApp number, a Telegram
    chat, a page-scoped id), linked to the contact whose history the agent sees."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="identities")
    external_id = models.CharField(_("platform id"), max_length=100)
    display_name = models.CharField(_("display name"), max_length=200, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=50, blank=True, default="")
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="messaging_identities",
        verbose_name=_("contact"),
    )
    last_inbound_at = models.DateTimeField(_("last message from them"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("messaging identity")
        verbose_name_plural = _("messaging identities")
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="identity_unique"),
        ]
        indexes = [models.Index(fields=["phone"], name="identity_phone")]

    def __str__(self) -> str:
        return f"{self.display_name or self.external_id} ({self.account.get_provider_display()})"


class InboundStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be processed")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")
    MALFORMED = "malformed", _("Kept: not understood")


class InboundMessage(models.Model):
    """A message a provider delivered to us; unique per account and provider message id.

    The webhook stores it (the verified delivery's raw body, kept until it is processed) as
    pending and answers at once; the worker turns it into a ticket message (`inbound_queue`).
    A delivery that was signed but cannot be read is kept as malformed (its id: a digest of
    the body)."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="inbound")
    provider_message_id = models.CharField(_("provider message id"), max_length=200)
    # the conversation: the sender's platform id on the account (its messages in order)
    sender_id = models.CharField(_("sender"), max_length=100, blank=True, db_default="")
    identity = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.CASCADE, related_name="inbound"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, on_delete=models.SET_NULL, related_name="messaging_inbound"
    )
    message = models.ForeignKey(Message, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(_("sent"))
    received_at = models.DateTimeField(_("received"))
    limits_noted = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InboundStatus.choices,
        default=InboundStatus.PENDING,
        db_default=InboundStatus.PROCESSED,
    )
    body = models.TextField(_("delivery as received"), blank=True, db_default="")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, db_default=0)
    available_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, default="", db_default="")
    last_error = models.TextField(_("last error"), blank=True, default="", db_default="")
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("incoming message")
        verbose_name_plural = _("incoming messages")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "provider_message_id"], name="messaging_inbound_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["ticket", "id"], name="messaging_inbound_ticket"),
            models.Index(
                fields=["id"],
                condition=models.Q(status="pending"),
                name="messaging_inbound_pending",
            ),
            models.Index(
                fields=["account", "sender_id", "id"],
                condition=models.Q(status="pending"),
                name="messaging_inbound_conv",
            ),
        ]

    def __str__(self) -> str:
        return self.provider_message_id


class OutboundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundKind(models.TextChoices):
    TEXT = "text", _("Text")
    TEMPLATE = "template", _("Template")


class OutboundMessage(models.Model):
    """An agent's reply to send to the provider: written by the outbox consumer in its
    transaction, sent by the worker's sender after commit."""

    dedupe_key = models.CharField(max_length=100, unique=True)
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="outbound")
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="outbound")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messaging_outbound")
    message = models.ForeignKey(Message, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=OutboundKind.choices)
    text = models.TextField(_("text"), blank=True, default="")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OutboundStatus.choices,
        default=OutboundStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")
    provider_message_id = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [
            models.Index(fields=["status", "next_attempt_at", "id"], name="messaging_out_due"),
            models.Index(fields=["ticket", "id"], name="messaging_out_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.dedupe_key} ({self.status})"
