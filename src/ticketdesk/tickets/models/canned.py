"""Canned responses: reusable replies an agent (or a rule) posts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Team


class CannedResponse(models.Model):
    """A reusable reply. The body is markdown with placeholders such as
    {{ requester.first_name }}, {{ ticket.number }} and {{ agent.first_name }}
    (see tickets.canned)."""

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
