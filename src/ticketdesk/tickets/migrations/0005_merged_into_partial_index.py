"""The index on Ticket.merged_into becomes partial (only merged tickets). The full index is
dropped by name rather than by AlterField, which on SQLite would copy the whole table."""

import django.db.models.deletion
from django.db import migrations, models

FULL_INDEX = "tickets_ticket_merged_into_id_3a36ad40"


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0004_active_priority_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ticket",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="merged_tickets",
                        to="tickets.ticket",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {FULL_INDEX}",
                    f"CREATE INDEX {FULL_INDEX} ON tickets_ticket (merged_into_id)",
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="t_merged_into",
            ),
        ),
    ]
