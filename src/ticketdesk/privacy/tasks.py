"""The privacy app's periodic job."""

from __future__ import annotations

from django_tasks import task

from .retention import delete_old_attachments


@task(queue_name="default")
def apply_retention_rules() -> int:
    return delete_old_attachments()
