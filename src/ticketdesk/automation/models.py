"""Automation: rules the system runs on ticket events and schedules, macros agents apply by
hand, and the traces that explain every evaluation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    TICKET_CREATED = "ticket_created", _("Ticket created")
    TICKET_UPDATED = "ticket_updated", _("Ticket updated")
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
    AGENT_REPLIED = "agent_replied", _("Agent replied")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    TIME = "time", _("Time-based (checked every 5 minutes)")


class TimeAnchor(models.TextChoices):
    """What a time-based rule measures from: "no customer reply for 48 hours" is
    LAST_CUSTOMER_MESSAGE + 48."""

    CREATED = "created_at", _("Created")
    UPDATED = "updated_at", _("Last updated")
    LAST_MESSAGE = "last_message_at", _("Last message")
    LAST_CUSTOMER_MESSAGE = "last_customer_message_at", _("Last customer message")
    LAST_AGENT_MESSAGE = "last_agent_message_at", _("Last agent message")


def empty_conditions() -> dict:
    return {"match": "all", "conditions": []}


class Rule(models.Model):
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True, default="")
    order = models.PositiveIntegerField(_("order"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    time_anchor = models.CharField(
        _("time since"), max_length=30, choices=TimeAnchor.choices, blank=True, default=""
    )
    time_hours = models.PositiveIntegerField(_("hours"), null=True, blank=True)
    conditions = models.JSONField(_("conditions"), default=empty_conditions, blank=True)
    actions = models.JSONField(_("actions"), default=list, blank=True)
    stop_processing = models.BooleanField(
        _("stop processing"),
        default=False,
        help_text=_("When this rule fires, later rules are not evaluated for the same event."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    fire_count = models.PositiveIntegerField(_("times fired"), default=0)
    last_fired_at = models.DateTimeField(_("last fired"), null=True, blank=True)
    # time-based rules: the ticket id the last scheduled run stopped at (0 = start over)
    time_cursor = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        indexes = [models.Index(fields=["trigger", "enabled", "order"], name="rule_trigger")]

    def __str__(self) -> str:
        return self.name


class RuleExecution(models.Model):
    """The trace of one evaluation of one rule against one ticket."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="executions")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="rule_executions"
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    source_message_id = models.BigIntegerField(null=True, blank=True)
    matched = models.BooleanField(default=False)
    skipped_reason = models.CharField(max_length=200, blank=True, default="")
    condition_results = models.JSONField(default=list, blank=True)
    actions_taken = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    duration_ms = models.FloatField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rule execution")
        verbose_name_plural = _("rule executions")
        indexes = [
            models.Index(fields=["ticket", "-created_at", "-id"], name="ruleexec_ticket"),
            models.Index(fields=["rule", "-created_at", "-id"], name="ruleexec_rule"),
            models.Index(fields=["rule", "source_message_id"], name="ruleexec_source"),
            models.Index(
                fields=["created_at"], condition=models.Q(matched=False), name="ruleexec_purge"
            ),
            models.Index(
                fields=["rule", "ticket", "created_at"],
                condition=models.Q(matched=True),
                name="ruleexec_fired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} on {self.ticket_id}: {self.matched}"


class RuleRun(models.Model):
    """A time-based rule fired for a ticket in one window: `anchor_at` is the value of the
    rule's time anchor when it fired; the rule fires again only after the anchor moves."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    anchor_at = models.DateTimeField()
    fired_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "ticket", "anchor_at"], name="rulerun_once")
        ]
        verbose_name = _("time rule run")
        verbose_name_plural = _("time rule runs")

    def __str__(self) -> str:
        return f"{self.rule_id} on {self.ticket_id} at {self.anchor_at}"


class MacroVisibility(models.TextChoices):
    SHARED = "shared", _("Everyone")
    TEAM = "team", _("One team")
    PERSONAL = "personal", _("Only me")


class Macro(models.Model):
    """A bundle of actions an agent applies to a ticket by hand (as that agent)."""

    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True, default="")
    actions = models.JSONField(_("actions"), default=list, blank=True)
    visibility = models.CharField(
        _("available to"),
        max_length=10,
        choices=MacroVisibility.choices,
        default=MacroVisibility.SHARED,
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        verbose_name=_("team"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        verbose_name=_("owner"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        indexes = [models.Index(fields=["visibility", "active", "name"], name="macro_visible")]

    def __str__(self) -> str:
        return self.name
