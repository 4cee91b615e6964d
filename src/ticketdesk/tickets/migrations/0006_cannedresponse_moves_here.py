"""Canned responses move from the workspace app to the tickets app (the composer, the API
and automation's "canned" step all use them; automation may not import the workspace).
The table keeps its rows: first the model state moves, then the table is renamed."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("tickets", "0005_merged_into_partial_index"),
        ("workspace", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CannedResponse",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("title", models.CharField(max_length=150, verbose_name="title")),
                        (
                            "body",
                            models.TextField(
                                help_text="Markdown with placeholders such as {{ requester.first_name }} or {{ ticket.number }}.",  # noqa: E501
                                verbose_name="body",
                            ),
                        ),
                        (
                            "shared",
                            models.BooleanField(
                                default=True,
                                help_text="Off: only the owner sees it.",
                                verbose_name="shared",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                        (
                            "owner",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="canned_responses",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="owner",
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                blank=True,
                                help_text="Empty: available to every team.",
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="canned_responses",
                                to="accounts.team",
                                verbose_name="team",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "canned response",
                        "verbose_name_plural": "canned responses",
                        "ordering": ["title", "id"],
                        "indexes": [models.Index(fields=["team", "title"], name="canned_team")],
                        "db_table": "workspace_cannedresponse",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
