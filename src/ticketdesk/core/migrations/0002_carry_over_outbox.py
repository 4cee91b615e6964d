"""Carry the outbox over from the notifications app: events not yet processed become core
events (same ids) with a delivery for every consumer that wants them; new ids continue after
the old ones (notifications, webhook deliveries and rating requests are unique per id)."""

from django.db import migrations


def carry_over(apps, schema_editor):
    from ticketdesk.core.outbox.registry import consumer_names_for

    connection = schema_editor.connection
    OutboxMessage = apps.get_model("core", "OutboxMessage")
    OutboxDelivery = apps.get_model("core", "OutboxDelivery")
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM notifications_outboxmessage")
        highest = cursor.fetchone()[0] or 0
        cursor.execute(
            "SELECT id, topic, payload, ticket_id, created_at FROM notifications_outboxmessage "
            "WHERE processed_at IS NULL ORDER BY id"
        )
        rows = cursor.fetchall()
    import json

    for pk, topic, payload, ticket_id, created_at in rows:
        if isinstance(payload, str):
            payload = json.loads(payload)
        message = OutboxMessage.objects.create(
            id=pk, topic=topic, payload=payload, ticket_id=ticket_id, created_at=created_at
        )
        OutboxDelivery.objects.bulk_create(
            [
                OutboxDelivery(event_id=message.pk, consumer=name, available_at=created_at)
                for name in consumer_names_for(topic, historical=False)
            ]
        )
    if not highest:
        return
    table = OutboxMessage._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, true)", [table, highest]
            )
    elif connection.vendor == "sqlite" and not OutboxMessage.objects.filter(id=highest).exists():
        # AUTOINCREMENT never reuses an id once used: use the highest one, then drop it
        OutboxMessage.objects.create(id=highest, topic="migration", payload={}, created_at=_now())
        OutboxMessage.objects.filter(id=highest).delete()


def _now():
    from django.utils import timezone

    return timezone.now()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("notifications", "0002_webhookendpoint_notification_webhookdelivery"),
    ]

    operations = [migrations.RunPython(carry_over, migrations.RunPython.noop)]
