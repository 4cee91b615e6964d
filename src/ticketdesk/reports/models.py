"""Models of the Reports app.

`TicketFact` holds one narrow row per ticket, computed from the ticket's event log
(`reports.facts`); `DailyTicketStats` is the roll-up of the facts (`reports.rollup`), kept up
to date incrementally by the reports consumer and rebuilt by `ticketdesk reports rebuild`.
Dimension columns are plain integers (0 = none) so that the roll-up keys stay unique.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SLAOutcome(models.TextChoices):
    NONE = "", _("No SLA")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")


SLA_METRICS = ("first_response", "next_response", "resolution")


class TicketFact(models.Model):
    """What the reports need to know about one ticket, derived from its events."""

    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="report_fact"
    )
    number = models.BigIntegerField()
    team_id = models.IntegerField(default=0)
    agent_id = models.IntegerField(default=0)
    channel = models.CharField(max_length=10, default="")
    type_id = models.IntegerField(default=0)
    category_id = models.IntegerField(default=0)
    organization_id = models.IntegerField(default=0)
    requester_id = models.IntegerField(default=0)
    created_at = models.DateTimeField()
    created_date = models.DateField()
    created_hour = models.DateTimeField(help_text="created_at truncated to the hour (UTC)")
    status_category = models.CharField(max_length=10, default="new")
    is_open = models.BooleanField(default=True)
    merged = models.BooleanField(default=False, help_text="Merged into another ticket.")
    first_response_seconds = models.IntegerField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_date = models.DateField(null=True, blank=True)
    resolution_seconds = models.IntegerField(
        null=True, blank=True, help_text="Created to final resolution, minus time pending."
    )
    pending_seconds = models.IntegerField(default=0)
    # working seconds on the SLA calendar, where the ticket's SLA policy counts business hours
    first_response_business_seconds = models.IntegerField(null=True, blank=True)
    resolution_business_seconds = models.IntegerField(null=True, blank=True)
    reopens = models.IntegerField(default=0)
    replies = models.IntegerField(default=0)
    one_touch = models.BooleanField(default=False)
    csat_score = models.FloatField(null=True, blank=True, help_text="0..100")
    csat_positive = models.BooleanField(null=True, blank=True)
    sla_first_response = models.CharField(max_length=10, default="", blank=True)
    sla_next_response = models.CharField(max_length=10, default="", blank=True)
    sla_resolution = models.CharField(max_length=10, default="", blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["created_date", "team_id"], name="fact_created"),
            models.Index(fields=["resolved_date", "team_id"], name="fact_resolved"),
            # the open backlog: an index-only scan of the live open tickets
            models.Index(
                fields=["team_id", "created_at"],
                condition=models.Q(is_open=True, merged=False),
                name="fact_open_live",
            ),
            models.Index(fields=["team_id", "created_date"], name="fact_team"),
            models.Index(fields=["agent_id", "created_date"], name="fact_agent"),
            models.Index(fields=["category_id", "created_date"], name="fact_category"),
            models.Index(fields=["organization_id", "created_date"], name="fact_org"),
            models.Index(fields=["requester_id", "created_date"], name="fact_requester"),
            models.Index(fields=["type_id", "created_date"], name="fact_type"),
            models.Index(fields=["channel", "created_date"], name="fact_channel"),
            # percentiles on SQLite walk these in value order (covering: no sort, no table)
            models.Index(
                fields=["merged", "first_response_seconds", "created_date", "team_id"],
                name="fact_first_response",
            ),
            models.Index(
                fields=["merged", "resolution_seconds", "resolved_date", "team_id"],
                name="fact_resolution",
            ),
        ]
        verbose_name = _("ticket fact")
        verbose_name_plural = _("ticket facts")

    def __str__(self) -> str:
        return f"fact {self.ticket_id}"


ROLLUP_DIMENSIONS = ("", "channel", "type", "category", "organization")
HISTOGRAMS = (
    "first_response",
    "first_response_business",
    "resolution",
    "resolution_business",
)


class DailyTicketStats(models.Model):
    """Counters per local day × team × agent × (dimension, value), in the site's time zone.

    Every ticket counts once under `dimension=""` (value "") and once under each of
    `channel`, `type`, `category` and `organization` (value: the channel, or the id as text,
    "0" for none). Totals read one dimension, so a filter on any one of them (with team and
    agent, which are in the key) is answered here without touching the per-ticket facts.

    Created-date cohort: created, first response, replies, CSAT, SLA outcomes, the hour of
    creation (h00..h23, local) and the first-response histograms.
    Resolved-date cohort: resolved, resolution time, reopened, one-touch and the resolution
    histograms. Histograms map a log-scale bucket (`reports.rollup.bucket_of`) to a count.
    """

    date = models.DateField()
    team_id = models.IntegerField(default=0)
    agent_id = models.IntegerField(default=0)
    dimension = models.CharField(max_length=12, default="")
    value = models.CharField(max_length=40, default="")
    created = models.IntegerField(default=0, db_default=0)
    resolved = models.IntegerField(default=0, db_default=0)
    reopened = models.IntegerField(default=0, db_default=0)
    one_touch = models.IntegerField(default=0, db_default=0)
    replies = models.IntegerField(default=0, db_default=0)
    first_response_sum = models.BigIntegerField(default=0, db_default=0)
    first_response_count = models.IntegerField(default=0, db_default=0)
    resolution_sum = models.BigIntegerField(default=0, db_default=0)
    resolution_count = models.IntegerField(default=0, db_default=0)
    csat_sum = models.FloatField(default=0, db_default=0.0)
    csat_count = models.IntegerField(default=0, db_default=0)
    csat_positive = models.IntegerField(default=0, db_default=0)
    sla_first_response_met = models.IntegerField(default=0, db_default=0)
    sla_first_response_breached = models.IntegerField(default=0, db_default=0)
    sla_next_response_met = models.IntegerField(default=0, db_default=0)
    sla_next_response_breached = models.IntegerField(default=0, db_default=0)
    sla_resolution_met = models.IntegerField(default=0, db_default=0)
    sla_resolution_breached = models.IntegerField(default=0, db_default=0)
    hist_first_response = models.JSONField(default=dict)
    hist_first_response_business = models.JSONField(default=dict)
    hist_resolution = models.JSONField(default=dict)
    hist_resolution_business = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["date", "team_id", "agent_id", "dimension", "value"],
                name="daily_stats_key",
            )
        ]
        indexes = [
            models.Index(fields=["dimension", "value", "date"], name="daily_dimension"),
            models.Index(fields=["team_id", "date"], name="daily_team"),
            models.Index(fields=["agent_id", "date"], name="daily_agent"),
        ]
        verbose_name = _("daily ticket statistics")
        verbose_name_plural = _("daily ticket statistics")

    def __str__(self) -> str:
        key = f"{self.dimension}={self.value}" if self.dimension else "all"
        return f"{self.date} team={self.team_id} agent={self.agent_id} {key}"


HOURS = tuple(f"h{hour:02d}" for hour in range(24))
for _hour in HOURS:  # tickets created in that local hour of the day (the week × hour heat map)
    DailyTicketStats.add_to_class(_hour, models.IntegerField(default=0, db_default=0))


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class ScheduledReport(models.Model):
    """A report emailed as CSV to chosen people every week or month."""

    name = models.CharField(_("name"), max_length=120)
    report = models.CharField(_("report"), max_length=30, default="summary")
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    recipients = models.TextField(_("recipients"), help_text=_("One email address per line."))
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    next_run_at = models.DateTimeField(_("next run"))
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["active", "next_run_at"], name="scheduled_due")]
        verbose_name = _("scheduled report")
        verbose_name_plural = _("scheduled reports")

    def __str__(self) -> str:
        return self.name

    @property
    def recipient_list(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]


class ProblemRecord(models.Model):
    """ITIL problem management data of a ticket of type `problem`."""

    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="problem"
    )
    root_cause = models.TextField(_("root cause"), blank=True, default="")
    trigger_event = models.TextField(_("trigger event"), blank=True, default="")
    workaround = models.TextField(_("workaround"), blank=True, default="")
    fix = models.TextField(_("fix"), blank=True, default="")
    impact = models.TextField(_("impact"), blank=True, default="")
    actions = models.TextField(_("follow-up actions"), blank=True, default="")
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("problem record")
        verbose_name_plural = _("problem records")

    def __str__(self) -> str:
        return f"problem {self.ticket_id}"


class SpikeAlert(models.Model):
    """A spike already announced (`reports.spike` on the outbox), once per key and period."""

    kind = models.CharField(max_length=20)  # category | term
    key = models.CharField(max_length=120)
    period_start = models.DateField()
    period_end = models.DateField()
    count = models.IntegerField()
    mean = models.FloatField()
    z_score = models.FloatField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "period_start"], name="spike_once")
        ]
        ordering = ["-period_start", "-z_score"]
        verbose_name = _("spike alert")
        verbose_name_plural = _("spike alerts")

    def __str__(self) -> str:
        return f"{self.kind} {self.key} {self.period_start}: {self.count}"
