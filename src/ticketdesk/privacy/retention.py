"""Retention rules: attachments of tickets closed more than N days ago are deleted (off
unless `ComplianceSettings.attachment_keep_days` is set)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

from ticketdesk.audit import log
from ticketdesk.audit.models import ComplianceSettings
from ticketdesk.core import clock
from ticketdesk.tickets.models import Attachment

logger = logging.getLogger(__name__)
CHUNK = 500


def _deleter(names: list[tuple[Any, str]]) -> Callable[[], None]:
    def delete_files() -> None:
        for storage, name in names:
            storage.delete(name)

    return delete_files


def delete_old_attachments(days: int | None = None) -> int:
    """Delete the attachments (rows and files) of tickets closed before `days` ago; returns
    how many. Files go once their rows' deletion has committed."""
    if days is None:
        days = ComplianceSettings.current().attachment_keep_days
    if days is None:
        return 0
    cutoff = clock.now() - dt.timedelta(days=days)
    deleted = 0
    while True:
        with transaction.atomic():
            rows = list(
                Attachment.objects.filter(
                    ticket__closed_at__isnull=False, ticket__closed_at__lt=cutoff
                )
                .order_by("id")
                .only("id", "file")[:CHUNK]
            )
            if not rows:
                break
            names = [(a.file.storage, a.file.name) for a in rows if a.file.name]
            Attachment.objects.filter(pk__in=[a.pk for a in rows]).delete()
            transaction.on_commit(_deleter(names))
            deleted += len(rows)
    logger.info("privacy: deleted %s attachments of tickets closed over %s days ago", deleted, days)
    if deleted:
        log.record(None, "privacy.retention_applied", None, attachments_deleted=deleted, days=days)
    return deleted
