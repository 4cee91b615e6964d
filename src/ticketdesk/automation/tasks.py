from __future__ import annotations

from django_tasks import task

from . import engine


@task(queue_name="default")
def run_time_rules() -> int:
    """Fire time-based rules (registered with the scheduler every 5 minutes)."""
    return engine.run_time_rules()


@task(queue_name="default")
def purge_traces() -> int:
    """Drop old traces of rules that did not act (registered daily)."""
    return engine.purge_traces()
