from __future__ import annotations

from django_tasks import task


@task(queue_name="default")
def send_hourly_digests() -> int:
    """Queue the hourly digests ("hourly", and "auto" users whose mail was held back)."""
    from .digests import send_due_digests

    return send_due_digests("hourly")


@task(queue_name="default")
def send_daily_digests() -> int:
    """Queue the daily digests (users whose preference is "daily")."""
    from .digests import send_due_digests

    return send_due_digests("daily")
