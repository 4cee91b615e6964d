"""Worker tasks of the SLA app."""

from __future__ import annotations

from django_tasks import task

from . import tracking


@task(queue_name="default")
def check_sla_deadlines() -> int:
    """Record the warnings and breaches whose moment has passed (every 60 s)."""
    return tracking.check_due()
