"""The ticket itself and its number counter. Every change goes through `tickets.actions`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Contact, Organization, Team, User

from .configuration import (
    DONE_CATEGORIES,
    BusinessArea,
    Category,
    Channel,
    Level,
    Status,
    StatusCategory,
    Tag,
    TicketType,
)


class TicketCounter(models.Model):
    """One row holding the next ticket number; locked while a number is taken."""

    name = models.CharField(max_length=20, primary_key=True, default="ticket")
    next_value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name}: {self.next_value}"


class SLAState(models.TextChoices):
    NONE = "none", _("No SLA")
    ACTIVE = "active", _("Running")
    PAUSED = "paused", _("Paused")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")


class Ticket(models.Model):
    number = models.BigIntegerField(_("number"), unique=True)
    subject = models.CharField(_("subject"), max_length=250)
    description = models.TextField(_("description"), blank=True, default="")
    requester = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("requester")
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("organization"),
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("team"),
    )
    assignee = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    ticket_type = models.ForeignKey(
        TicketType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("type"),
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("category"),
    )
    business_area = models.ForeignKey(
        BusinessArea,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("business area"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Level.choices, default=2)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices, default=2)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Level.choices, default=2)
    priority_overridden = models.BooleanField(_("priority set by hand"), default=False)
    status = models.ForeignKey(
        Status, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("status")
    )
    status_category = models.CharField(
        _("status category"),
        max_length=10,
        choices=StatusCategory.choices,
        help_text=_("Copy of status.category, for fast filtering."),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets", verbose_name=_("tags"))
    cc = models.ManyToManyField(
        Contact, blank=True, related_name="cc_tickets", verbose_name=_("CC")
    )
    watchers = models.ManyToManyField(
        User, blank=True, related_name="watched_tickets", verbose_name=_("watchers")
    )
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    # indexed only where set (below): "merged_into IS NULL" holds for nearly every ticket,
    # and a full index on it lured SQLite's planner away from the date indexes
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_tickets",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_message_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    # the latest resolution: what was done and the type's checklist as answered (the status
    # event keeps every resolution; a reopened ticket starts without one)
    resolution_summary = models.TextField(_("resolution summary"), blank=True, default="")
    verification = models.JSONField(_("verification"), default=list, blank=True)
    # SLA: maintained by the sla app through actions; kept here for fast sorting and filtering.
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    next_response_due_at = models.DateTimeField(_("next response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    due_at = models.DateTimeField(
        _("due"), null=True, blank=True, help_text=_("The earliest open SLA target.")
    )
    sla_state = models.CharField(
        _("SLA state"), max_length=10, choices=SLAState.choices, default=SLAState.NONE
    )
    # 0: first level (tier 1); 1: tier 2; 2: specialists / lead (see tickets/escalation.py)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["status_category", "-updated_at", "-id"], name="t_cat_upd"),
            # active tickets by priority (the workspace's "All open" sorted by priority)
            models.Index(
                fields=["-priority", "-updated_at", "-id"],
                name="t_active_prio",
                condition=models.Q(status_category__in=["new", "open", "pending"]),
            ),
            models.Index(fields=["assignee", "status_category", "-updated_at"], name="t_asg_cat"),
            models.Index(fields=["team", "status_category", "-updated_at"], name="t_team_cat"),
            models.Index(fields=["requester", "-created_at"], name="t_requester"),
            models.Index(fields=["organization", "-created_at"], name="t_org"),
            models.Index(fields=["status", "-updated_at"], name="t_status"),
            models.Index(fields=["priority", "-updated_at"], name="t_priority"),
            models.Index(fields=["-updated_at", "-id"], name="t_updated"),
            models.Index(fields=["-created_at", "-id"], name="t_created"),
            models.Index(fields=["due_at"], name="t_due"),
            models.Index(fields=["ticket_type", "-updated_at"], name="t_type"),
            models.Index(fields=["category", "-updated_at"], name="t_category"),
            models.Index(fields=["channel", "-created_at"], name="t_channel"),
            models.Index(fields=["sla_state", "due_at"], name="t_sla"),
            models.Index(fields=["resolved_at"], name="t_resolved"),
            models.Index(fields=["last_customer_message_at"], name="t_last_customer_msg"),
            # the escalated filter and badge: only escalated tickets are in the index
            models.Index(
                fields=["escalation_level", "-updated_at"],
                condition=models.Q(escalation_level__gt=0),
                name="t_escalated",
            ),
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="t_merged_into",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_number} {self.subject}"

    @property
    def display_number(self) -> str:
        return f"{settings.TICKETDESK['TICKET_PREFIX']}{self.number}"

    @property
    def subject_token(self) -> str:
        return f"[{self.display_number}]"

    @property
    def is_open(self) -> bool:
        return self.status_category not in DONE_CATEGORIES
