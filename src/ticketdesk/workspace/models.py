"""Workspace data: saved personal views, and who is looking at a ticket."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """A personal view in the left rail: a name and a query in the search syntax."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("query"), max_length=500)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["order", "name", "id"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PresenceMode(models.TextChoices):
    VIEWING = "viewing", _("Viewing")
    REPLYING = "replying", _("Replying")


class TicketPresence(models.Model):
    """Who has a ticket open (refreshed by the page every few seconds)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=10, choices=PresenceMode.choices)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="presence_unique")]
        indexes = [models.Index(fields=["ticket", "seen_at"], name="presence_ticket")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.mode} {self.ticket_id}"
