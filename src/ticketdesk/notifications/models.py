from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.core.encryption import EncryptedTextField


class EndpointFormat(models.TextChoices):
    """How a delivery's body is shaped: our signed JSON, or a chat tool's incoming webhook."""

    JSON = "json", _("Signed JSON (webhook)")
    SLACK = "slack", _("Slack")
    TEAMS = "teams", _("Microsoft Teams")
    MATTERMOST = "mattermost", _("Mattermost")
    ROCKETCHAT = "rocketchat", _("Rocket.Chat")


class WebhookEndpoint(models.Model):
    """Where events are sent: a signed-JSON webhook receiver or a chat channel's incoming
    webhook. Registered by admins."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=1000)
    format = models.CharField(
        _("format"), max_length=12, choices=EndpointFormat.choices, default=EndpointFormat.JSON
    )
    secret = EncryptedTextField(
        _("signing secret"),
        blank=True,
        default="",
        help_text=_("Used to sign JSON deliveries (X-Ticketdesk-Signature)."),
    )
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_("Topics to send, e.g. ticket.created, sla.breached. Empty: all."),
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("team"),
        help_text=_("Only events of this team's tickets (optional)."),
    )
    active = models.BooleanField(_("active"), default=True)
    allow_private = models.BooleanField(
        _("allow private addresses"),
        default=False,
        help_text=_("Allow loopback, private and link-local destinations (trusted networks only)."),
    )
    failure_count = models.PositiveIntegerField(_("consecutive failures"), default=0)
    disabled_reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name

    def wants(self, topic: str) -> bool:
        return not self.events or topic in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint, with the outcome of its latest attempt (the delivery log).
    Per endpoint, deliveries go out in id order. An automation rule's webhook has no endpoint:
    its own URL (signed with TICKETDESK["AUTOMATION_WEBHOOK_SECRET"] when set)."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    url = models.URLField(max_length=1000, blank=True, default="")  # when there is no endpoint
    event_id = models.CharField(max_length=40, unique=True)
    topic = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    outbox_message_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempt = models.PositiveIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    next_retry_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "outbox_message_id"],
                condition=models.Q(outbox_message_id__isnull=False),
                name="delivery_once_per_message",
            )
        ]
        indexes = [
            models.Index(
                fields=["endpoint", "id"],
                condition=models.Q(status="pending"),
                name="delivery_pending",
            ),
            models.Index(fields=["endpoint", "-created_at"], name="delivery_log"),
            models.Index(
                fields=["next_retry_at", "id"],
                condition=models.Q(status="pending", endpoint__isnull=True),
                name="delivery_pending_url",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} → {self.endpoint_id} ({self.status})"


class Notification(models.Model):
    """An in-app notification for an agent (the bell)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    verb = models.CharField(_("what happened"), max_length=30)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outbox_message_id = models.BigIntegerField(null=True, blank=True)
    # what the sentence needs beyond the verb: the SLA target and its due time, the
    # escalation's level and reason, the team consulted
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "outbox_message_id"],
                condition=models.Q(outbox_message_id__isnull=False),
                name="notification_once_per_message",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notif_inbox"),
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(emailed_at__isnull=True),
                name="notif_unmailed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.verb} for {self.recipient_id}"
