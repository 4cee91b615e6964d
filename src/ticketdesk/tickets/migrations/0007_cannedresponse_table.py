from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_cannedresponse_moves_here"),
        ("workspace", "0002_cannedresponse_moves_to_tickets"),
    ]

    operations = [migrations.AlterModelTable(name="cannedresponse", table=None)]
