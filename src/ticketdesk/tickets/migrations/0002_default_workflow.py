"""The shipped configuration (see tickets/defaults.py). Admins change it in the admin."""

from django.db import migrations


def forwards(apps, schema_editor):
    from ticketdesk.tickets.defaults import ensure_defaults

    ensure_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
