"""Workspace data: canned responses, saved personal views, and who is looking at a ticket."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Team


class CannedResponse(models.Model):
    """A reusable reply. The body is markdown with placeholders such as
    {{ requester.first_name }}, {{ ticket.number }} and {{ agent.first_name }}
    (see workspace.canned)."""

    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(
        _("body"),
        help_text=_(
            "Markdown with placeholders such as {{ requester.first_name }} or {{ ticket.number }}."
        ),
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_responses",
        verbose_name=_("team"),
        help_text=_("Empty: available to every team."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_responses",
        verbose_name=_("owner"),
    )
    shared = models.BooleanField(
        _("shared"), default=True, help_text=_("Off: only the owner sees it.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        indexes = [models.Index(fields=["team", "title"], name="canned_team")]

    def __str__(self) -> str:
        return self.title


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
