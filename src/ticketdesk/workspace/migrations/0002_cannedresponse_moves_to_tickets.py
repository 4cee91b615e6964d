"""Canned responses now live in the tickets app (same table, see tickets 0006)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workspace", "0001_initial"),
        ("tickets", "0006_cannedresponse_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="CannedResponse")],
            database_operations=[],
        ),
    ]
