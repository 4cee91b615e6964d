from __future__ import annotations

from django_tasks import task


@task(queue_name="default")
def send_scheduled_reports() -> int:
    """Email the scheduled reports that are due (idempotent: next_run_at moves forward)."""
    from .scheduled import send_due

    return send_due()


@task(queue_name="default")
def detect_spikes() -> int:
    """Look for category and term spikes and announce new ones (`reports.spike`)."""
    from .trends import detect_and_publish

    return len(detect_and_publish())


@task(queue_name="default")
def refresh_recent_facts() -> int:
    """Catch up on CSAT and SLA events recorded without an outbox message."""
    from .facts import refresh_recent

    return refresh_recent()
