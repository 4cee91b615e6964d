"""Closing resolved tickets nobody answered: after `WorkflowSettings.auto_close_days` days a
resolved ticket whose customer neither replied nor reopened it closes by itself (a reply
reopens it, so "still resolved" already means "no reply since").

`close_quiet_tickets()` runs from the scheduler (tickets/tasks.py, hourly); each ticket is
closed in its own transaction through `tickets.actions`, as the system, so a failure on one
leaves the others closed and the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import F, Q

from ticketdesk.core import clock
from ticketdesk.core.errors import DomainError

from . import actions, workflow
from .models import StatusCategory, Ticket, WorkflowSettings

logger = logging.getLogger(__name__)

BATCH = 500


def due_tickets(days: int, limit: int = BATCH) -> list[int]:
    """Ids of resolved tickets resolved at least `days` ago with no customer message since."""
    cutoff = clock.now() - dt.timedelta(days=days)
    return list(
        Ticket.objects.filter(
            status_category=StatusCategory.RESOLVED,
            resolved_at__lte=cutoff,
            merged_into__isnull=True,
        )
        .filter(
            Q(last_customer_message_at__isnull=True)
            | Q(last_customer_message_at__lte=F("resolved_at"))
        )
        .order_by("resolved_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def close_quiet_tickets(limit: int = BATCH) -> int:
    """Close what is due; returns how many were closed."""
    days = WorkflowSettings.current().auto_close_days
    if not days:
        return 0
    try:
        closed_status = workflow.status_for_category(StatusCategory.CLOSED)
    except DomainError:
        return 0
    closed = 0
    for ticket_id in due_tickets(days, limit):
        ticket = Ticket.objects.select_related("status").get(pk=ticket_id)
        if not workflow.is_allowed(
            ticket.status, closed_status, ticket_type_id=ticket.ticket_type_id
        ):
            continue
        try:
            actions.change_status(
                ticket,
                closed_status,
                actor=None,
                expected_version=ticket.version,
                status_data={"auto_closed": True, "after_days": days},
            )
        except DomainError as error:  # changed meanwhile: the next run looks again
            logger.info("auto-close skipped ticket %s: %s", ticket_id, error)
            continue
        closed += 1
    return closed
