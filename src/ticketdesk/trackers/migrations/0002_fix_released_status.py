from django.db import migrations


def forwards(apps, schema_editor):
    from ticketdesk.trackers.statuses import ensure_fix_released

    if apps.get_model("tickets", "Status").objects.exists():
        ensure_fix_released(apps)


class Migration(migrations.Migration):
    dependencies = [("trackers", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
