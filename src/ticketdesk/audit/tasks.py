"""The audit log's periodic job: forget entries past the retention period."""

from __future__ import annotations

import logging

from django_tasks import task

from .log import purge_older_than
from .models import ComplianceSettings

logger = logging.getLogger(__name__)


@task(queue_name="default")
def purge_audit_entries() -> int:
    days = ComplianceSettings.current().audit_keep_days
    deleted = purge_older_than(days)
    logger.info("audit: purged %s entries older than %s days", deleted, days)
    return deleted
