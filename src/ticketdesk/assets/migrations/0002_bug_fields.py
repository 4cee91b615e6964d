"""The Bug type's own fields, as custom-field definitions (see assets/bug_fields.py)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from ticketdesk.assets.bug_fields import seed

    seed(apps)


def backwards(apps, schema_editor):
    from ticketdesk.assets.bug_fields import unseed

    unseed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0001_initial"),
        ("tickets", "0012_consultation"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
