"""Business hours where SLAs apply: the sla app's policy for a ticket (TicketSLA.policy) and
its calendar give the working seconds of first response and resolution. Everything is read
lazily and defensively: without the sla app, a policy or a calendar, there is no business
time (None)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db import DatabaseError

logger = logging.getLogger(__name__)


class BusinessHours:
    """Loaded once per refresh or per rebuild (the policy catalogue caches calendars)."""

    def __init__(self) -> None:
        self.catalog: Any = None
        self.policies: dict[int, Any] = {}
        try:
            from ticketdesk.sla.selection import PolicyCatalog

            self.catalog = PolicyCatalog.load()
            self.policies = {policy.pk: policy for policy in self.catalog.policies}
        except (ImportError, AttributeError, DatabaseError):  # pragma: no cover - no sla app
            logger.debug("no SLA policies: business hours are not computed")

    def policy_ids(self, ticket_ids: Iterable[int]) -> dict[int, int]:
        if not self.policies:
            return {}
        from ticketdesk.sla.models import TicketSLA

        rows = TicketSLA.objects.filter(
            ticket_id__in=list(ticket_ids), policy_id__isnull=False
        ).values_list("ticket_id", "policy_id")
        return {ticket_id: policy_id for ticket_id, policy_id in rows if policy_id}

    def for_ticket(self, ticket: Any, policy_id: int | None) -> tuple[Any, set[str]] | None:
        """(schedule, metrics counted in business hours) or None."""
        policy = self.policies.get(policy_id or 0)
        if policy is None:
            return None
        metrics = {target.metric for target in policy.targets.all() if target.business_hours}
        if not metrics:
            return None
        schedule = self.catalog.schedule(self.catalog.calendar_id_for(policy, ticket))
        if schedule is None or not schedule.has_working_time():
            return None
        return schedule, metrics


def business_seconds(schedule: Any, start: dt.datetime, end: dt.datetime) -> int:
    from ticketdesk.sla.calendar import business_seconds_between

    return max(0, int(business_seconds_between(schedule, start, end)))
