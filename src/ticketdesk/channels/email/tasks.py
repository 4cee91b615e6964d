from __future__ import annotations

from django_tasks import task

from .imap import poll_all
from .ingest import retry_stuck


@task(queue_name="mail")
def poll_mailboxes() -> int:
    """Poll every active IMAP mailbox, then retry mail stuck between storing and processing."""
    return poll_all() + retry_stuck()
