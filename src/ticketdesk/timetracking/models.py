"""Time agents spend on tickets: entries (manual or from a timer), running timers, and the
per-type rule "time is required before resolving".

An entry keeps the ticket's team and organization as they were when it was logged, so the
report groups by them with one indexed query however the ticket moves later."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketdesk.accounts.models import Organization, Team, User
from ticketdesk.tickets.models import Ticket, TicketType


class TimeEntry(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="time_entries")
    agent = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="time_entries", verbose_name=_("agent")
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    minutes = models.PositiveIntegerField(_("minutes"))
    work_date = models.DateField(_("date"))
    billable = models.BooleanField(_("billable"), default=True)
    note = models.CharField(_("note"), max_length=1000, blank=True, default="")
    from_timer = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        indexes = [
            models.Index(fields=["ticket", "work_date"], name="time_entry_ticket"),
            models.Index(fields=["work_date"], name="time_entry_date"),
            models.Index(fields=["agent", "work_date"], name="time_entry_agent"),
            models.Index(fields=["team", "work_date"], name="time_entry_team"),
            models.Index(fields=["organization", "work_date"], name="time_entry_org"),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min on {self.ticket_id}"


class RunningTimer(models.Model):
    """An agent's timer on a ticket, from `started_at` until stopped (then an entry)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "ticket"], name="time_timer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} on {self.ticket_id} since {self.started_at}"


class TypeTimeRule(models.Model):
    """Per ticket type: must time be logged before an agent resolves?"""

    ticket_type = models.OneToOneField(
        TicketType, on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket type")
    )
    time_required = models.BooleanField(_("time is required before resolving"), default=False)

    class Meta:
        verbose_name = _("time rule")
        verbose_name_plural = _("time rules")

    def __str__(self) -> str:
        return str(self.ticket_type)
