"""Business hours where SLAs apply: the sla app's policy for a ticket (TicketSLA.policy) and
its calendar give the working seconds of first response and resolution. Read lazily: without
a policy or a calendar there is no business time (None)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from ticketdesk.sla.calendar import business_seconds_between
from ticketdesk.sla.models import TicketSLA
from ticketdesk.sla.selection import PolicyCatalog


class BusinessHours:
    """Loaded once per refresh or per rebuild (the policy catalogue caches calendars)."""

    def __init__(self) -> None:
        self._catalog: Any = None
        self._policies: dict[int, Any] | None = None

    def _load(self) -> dict[int, Any]:
        """The active policies by id (the catalogue is loaded on first need: 6 queries)."""
        if self._policies is None:
            self._catalog = PolicyCatalog.load()
            self._policies = {policy.pk: policy for policy in self._catalog.policies}
        return self._policies

    def policy_ids(self, ticket_ids: Iterable[int]) -> dict[int, int]:
        """The sla app's policy of each ticket (one query)."""
        rows = TicketSLA.objects.filter(
            ticket_id__in=list(ticket_ids), policy_id__isnull=False
        ).values_list("ticket_id", "policy_id")
        return {ticket_id: policy_id for ticket_id, policy_id in rows if policy_id}

    def for_ticket(self, ticket: Any, policy_id: int | None) -> tuple[Any, set[str]] | None:
        """(schedule, metrics counted in business hours) or None."""
        if not policy_id:
            return None
        policy = self._load().get(policy_id)
        if policy is None:
            return None
        metrics = {target.metric for target in policy.targets.all() if target.business_hours}
        if not metrics:
            return None
        schedule = self._catalog.schedule(self._catalog.calendar_id_for(policy, ticket))
        if schedule is None or not schedule.has_working_time():
            return None
        return schedule, metrics


def business_seconds(schedule: Any, start: dt.datetime, end: dt.datetime) -> int:
    return max(0, int(business_seconds_between(schedule, start, end)))
