"""The daily roll-up gains a dimension/value pair (channel, type, category, organization),
the local hour of creation and duration histograms; the hourly table goes. The roll-up is
derived data: it is recreated and filled from the per-ticket facts."""

from django.db import migrations, models


def fill_rollup(apps, schema_editor):
    from ticketdesk.reports.rollup import rebuild_from_facts

    rebuild_from_facts(
        apps.get_model("reports", "TicketFact"), apps.get_model("reports", "DailyTicketStats")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_ticketfact_first_response_business_seconds_and_more"),
    ]

    operations = [
        migrations.DeleteModel(
            name="HourlyCreatedStats",
        ),
        migrations.DeleteModel(
            name="DailyTicketStats",
        ),
        migrations.CreateModel(
            name="DailyTicketStats",
            fields=(
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField()),
                ("team_id", models.IntegerField(default=0)),
                ("agent_id", models.IntegerField(default=0)),
                ("dimension", models.CharField(default="", max_length=12)),
                ("value", models.CharField(default="", max_length=40)),
                ("created", models.IntegerField(db_default=0, default=0)),
                ("resolved", models.IntegerField(db_default=0, default=0)),
                ("reopened", models.IntegerField(db_default=0, default=0)),
                ("one_touch", models.IntegerField(db_default=0, default=0)),
                ("replies", models.IntegerField(db_default=0, default=0)),
                ("first_response_sum", models.BigIntegerField(db_default=0, default=0)),
                ("first_response_count", models.IntegerField(db_default=0, default=0)),
                ("resolution_sum", models.BigIntegerField(db_default=0, default=0)),
                ("resolution_count", models.IntegerField(db_default=0, default=0)),
                ("csat_sum", models.FloatField(db_default=0.0, default=0)),
                ("csat_count", models.IntegerField(db_default=0, default=0)),
                ("csat_positive", models.IntegerField(db_default=0, default=0)),
                ("sla_first_response_met", models.IntegerField(db_default=0, default=0)),
                ("sla_first_response_breached", models.IntegerField(db_default=0, default=0)),
                ("sla_next_response_met", models.IntegerField(db_default=0, default=0)),
                ("sla_next_response_breached", models.IntegerField(db_default=0, default=0)),
                ("sla_resolution_met", models.IntegerField(db_default=0, default=0)),
                ("sla_resolution_breached", models.IntegerField(db_default=0, default=0)),
                ("hist_first_response", models.JSONField(default=dict)),
                ("hist_first_response_business", models.JSONField(default=dict)),
                ("hist_resolution", models.JSONField(default=dict)),
                ("hist_resolution_business", models.JSONField(default=dict)),
                ("h00", models.IntegerField(db_default=0, default=0)),
                ("h01", models.IntegerField(db_default=0, default=0)),
                ("h02", models.IntegerField(db_default=0, default=0)),
                ("h03", models.IntegerField(db_default=0, default=0)),
                ("h04", models.IntegerField(db_default=0, default=0)),
                ("h05", models.IntegerField(db_default=0, default=0)),
                ("h06", models.IntegerField(db_default=0, default=0)),
                ("h07", models.IntegerField(db_default=0, default=0)),
                ("h08", models.IntegerField(db_default=0, default=0)),
                ("h09", models.IntegerField(db_default=0, default=0)),
                ("h10", models.IntegerField(db_default=0, default=0)),
                ("h11", models.IntegerField(db_default=0, default=0)),
                ("h12", models.IntegerField(db_default=0, default=0)),
                ("h13", models.IntegerField(db_default=0, default=0)),
                ("h14", models.IntegerField(db_default=0, default=0)),
                ("h15", models.IntegerField(db_default=0, default=0)),
                ("h16", models.IntegerField(db_default=0, default=0)),
                ("h17", models.IntegerField(db_default=0, default=0)),
                ("h18", models.IntegerField(db_default=0, default=0)),
                ("h19", models.IntegerField(db_default=0, default=0)),
                ("h20", models.IntegerField(db_default=0, default=0)),
                ("h21", models.IntegerField(db_default=0, default=0)),
                ("h22", models.IntegerField(db_default=0, default=0)),
                ("h23", models.IntegerField(db_default=0, default=0)),
            ),
            options={
                "verbose_name": "daily ticket statistics",
                "verbose_name_plural": "daily ticket statistics",
                "indexes": [
                    models.Index(fields=["dimension", "value", "date"], name="daily_dimension"),
                    models.Index(fields=["team_id", "date"], name="daily_team"),
                    models.Index(fields=["agent_id", "date"], name="daily_agent"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("date", "team_id", "agent_id", "dimension", "value"),
                        name="daily_stats_key",
                    )
                ],
            },
        ),
        migrations.RunPython(fill_rollup, migrations.RunPython.noop),
    ]
