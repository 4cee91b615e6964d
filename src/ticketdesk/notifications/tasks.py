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
