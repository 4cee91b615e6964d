"""Infrastructure rows: the event outbox and each consumer's deliveries, the outgoing mail
queue, worker heartbeats and the scheduler's lease and job state.

None of these is a feature: every app publishes events and queues mail through them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """An event written in the same transaction as the change that caused it (append-only).

    Publishing also writes one `OutboxDelivery` per consumer that wants the topic; the
    consumers work through their own deliveries (see core/outbox/).
    """

    topic = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    ticket_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    # data loaded after the fact (the demo, imports): derived state is computed from it,
    # but no consumer with an outside effect (mail, notifications, webhooks) receives it
    historical = models.BooleanField(default=False)

    class Meta:
        db_table = "core_outbox_message"
        ordering = ["id"]
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [models.Index(fields=["created_at"], name="outbox_created")]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"


class OutboxDelivery(models.Model):
    """One event still owed to one consumer. Deleted when the consumer has handled it (in the
    same transaction as the consumer's own writes); `available_at` is both the retry time and
    the lease of a worker that claimed it; `dead_at` marks a dead letter."""

    event = models.ForeignKey(
        OutboxMessage, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    consumer = models.CharField(max_length=40)
    available_at = models.DateTimeField()
    # the claim that holds it: only that claim may finish it (a claim whose lease ran out
    # and was taken over finds its rows gone and handles nothing twice)
    claim = models.CharField(max_length=32, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    dead_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "core_outbox_delivery"
        verbose_name = _("outbox delivery")
        verbose_name_plural = _("outbox deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "consumer"], name="outbox_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["consumer", "id"],
                condition=models.Q(dead_at__isnull=True),
                name="outbox_delivery_due",
            ),
            models.Index(
                fields=["consumer", "dead_at"],
                condition=models.Q(dead_at__isnull=False),
                name="outbox_delivery_dead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consumer} ← {self.event_id}"


class MailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Given up")


class OutgoingMail(models.Model):
    """A mail we mean to send, recorded in the transaction that decided it; the worker sends
    it after commit. The dedupe key makes the intent once-only; the Message-ID is fixed here,
    so a resend after a crash carries the same one and the receiver can tell it is a copy."""

    dedupe_key = models.CharField(max_length=200, unique=True)
    purpose = models.CharField(_("purpose"), max_length=30, blank=True, default="")
    message_id = models.CharField(_("Message-ID"), max_length=255)
    from_email = models.CharField(_("from"), max_length=400)
    to = models.JSONField(_("to"), default=list)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=400, blank=True, default="")
    body = models.TextField(blank=True, default="")
    html = models.TextField(blank=True, default="")
    headers = models.JSONField(default=dict, blank=True)
    # [{"path": storage name, "name": file name, "content_type": ...}] read at send time, or
    # {"content_b64": ...} for small generated files
    attachments = models.JSONField(default=list, blank=True)
    ticket_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MailStatus.choices, default=MailStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    available_at = models.DateTimeField()  # next attempt, or the lease of the sending worker
    last_error = models.TextField(_("last error"), blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        db_table = "core_outgoing_mail"
        ordering = ["-id"]
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        indexes = [
            models.Index(
                fields=["available_at", "id"],
                condition=models.Q(status="pending"),
                name="outgoing_mail_due",
            ),
            models.Index(fields=["ticket_id"], name="outgoing_mail_ticket"),
            models.Index(fields=["status", "created_at"], name="outgoing_mail_status"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


class WorkerHeartbeat(models.Model):
    """A running outbox worker says it is alive every few seconds (shown by /healthz)."""

    name = models.CharField(max_length=200, unique=True)  # host:pid
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()
    handled = models.BigIntegerField(default=0)

    class Meta:
        db_table = "core_worker_heartbeat"
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return self.name


class SchedulerLease(models.Model):
    """Who runs the scheduler: one row per lease name, held by one process at a time."""

    name = models.CharField(max_length=50, unique=True)
    holder = models.CharField(max_length=200, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "core_scheduler_lease"

    def __str__(self) -> str:
        return f"{self.name}: {self.holder}"


class PeriodicJobState(models.Model):
    """When each periodic job last ran and is next due (survives restarts)."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        db_table = "core_periodic_job"

    def __str__(self) -> str:
        return self.name
