from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A side-effect request written in the same transaction as the change that caused it.

    The worker hands each row to the handlers registered for its topic (see outbox.py) and
    marks it processed; a failing handler is retried with backoff.
    """

    topic = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    ticket_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    available_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(
                fields=["available_at", "id"],
                condition=models.Q(processed_at__isnull=True),
                name="outbox_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"
