from __future__ import annotations

from django_tasks import task

from .outbox import process_pending


@task(queue_name="default")
def drain_outbox() -> int:
    """Deliver pending outbox rows (woken after every commit that published one)."""
    total = 0
    while True:
        handled = process_pending()
        total += handled
        if handled == 0:
            return total


@task(queue_name="webhooks")
def deliver_webhooks() -> int:
    """Send due webhook and chat deliveries (woken after new ones; also periodic)."""
    from .webhooks import deliver_pending

    return deliver_pending()


@task(queue_name="mail")
def send_hourly_digests() -> int:
    """Email the hourly digests (users whose preference is "hourly")."""
    from .digests import send_due_digests

    return send_due_digests("hourly")


@task(queue_name="mail")
def send_daily_digests() -> int:
    """Email the daily digests (users whose preference is "daily")."""
    from .digests import send_due_digests

    return send_due_digests("daily")


@task(queue_name="mail")
def send_notification_email_task(notification_id: int) -> bool:
    """Email one notification (immediate mode), unless it was already mailed."""
    from .inapp import send_notification_email
    from .models import Notification

    notification = (
        Notification.objects.select_related("recipient", "ticket", "actor")
        .filter(pk=notification_id, emailed_at__isnull=True)
        .first()
    )
    if notification is None:
        return False
    send_notification_email(notification)
    return True
