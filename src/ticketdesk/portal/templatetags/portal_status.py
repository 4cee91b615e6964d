"""What the portal says about a ticket's status."""

from __future__ import annotations

from typing import Any

from django import template

from ticketdesk.catalog.statuses import AWAITING_APPROVAL
from ticketdesk.tickets import workflow

register = template.Library()


@register.filter
def awaiting_approval(ticket: Any) -> bool:
    """A catalog request waiting for its approvers (a pending status, but not waiting for the
    customer). From the configuration cache: no query per row."""
    status_id = getattr(ticket, "status_id", None)
    return any(s.pk == status_id and s.key == AWAITING_APPROVAL for s in workflow.all_statuses())
