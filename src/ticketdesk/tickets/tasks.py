from __future__ import annotations

from django_tasks import task

from . import autoclose


@task(queue_name="default")
def close_quiet_tickets() -> int:
    """Close resolved tickets nobody answered (registered with the scheduler hourly)."""
    return autoclose.close_quiet_tickets()
