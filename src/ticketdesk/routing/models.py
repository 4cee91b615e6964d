"""Routing data: agent availability and skills, the per-team routing row (round-robin pointer
and the lock that makes assignment race-free), and the record of every routing decision."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Team, User
from ticketdesk.tickets.models import Ticket


class Presence(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFF = "off", _("Off")


class AgentAvailability(models.Model):
    """Whether an agent takes new tickets now. Agents without a row count as online with no
    capacity limit."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="availability")
    status = models.CharField(
        _("status"), max_length=10, choices=Presence.choices, default=Presence.ONLINE
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        default=0,
        help_text=_("Most open tickets routed to this agent; 0 means no limit."),
    )
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("working hours"),
        help_text=_("Only route while this calendar is in working hours (optional)."),
    )
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent availability")
        verbose_name_plural = _("agent availability")

    def __str__(self) -> str:
        return f"{self.user}: {self.get_status_display()}"


class SkillKind(models.TextChoices):
    CATEGORY = "category", _("Category")
    TYPE = "type", _("Ticket type")
    LANGUAGE = "language", _("Language")
    ORGANIZATION = "organization", _("Organization")


class AgentSkill(models.Model):
    """A skill: a category path (matches its subcategories), a ticket type key, a language code
    (matches regional variants: "pt" matches "pt-br") or an organization name."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="skills")
    kind = models.CharField(_("kind"), max_length=20, choices=SkillKind.choices)
    value = models.CharField(_("value"), max_length=200)

    class Meta:
        ordering = ["user", "kind", "value"]
        verbose_name = _("agent skill")
        verbose_name_plural = _("agent skills")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "value"], name="agent_skill_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()} {self.value}"


class TeamRoutingState(models.Model):
    """One row per team: locked (SELECT ... FOR UPDATE) while a ticket of the team is routed,
    so concurrent workers never count capacity from the same snapshot; holds the round-robin
    pointer."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="routing_state")
    last_assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    routed_count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("team routing state")
        verbose_name_plural = _("team routing states")

    def __str__(self) -> str:
        return f"{self.team}: {self.last_assignee_id}"


class RoutingDecision(models.Model):
    """Why a ticket went (or did not go) to an agent."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="routing_decisions")
    team = models.ForeignKey(Team, null=True, on_delete=models.SET_NULL, related_name="+")
    strategy = models.CharField(_("strategy"), max_length=20)
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500)
    candidates = models.JSONField(_("candidates"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("routing decision")
        verbose_name_plural = _("routing decisions")
        indexes = [models.Index(fields=["ticket", "-created_at"], name="routing_decision_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.assignee_id}: {self.reason}"
