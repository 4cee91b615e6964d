from django.db import migrations


def forwards(apps, schema_editor):
    from ticketdesk.catalog.statuses import ensure_awaiting_approval

    if apps.get_model("tickets", "Status").objects.exists():
        ensure_awaiting_approval(apps)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
