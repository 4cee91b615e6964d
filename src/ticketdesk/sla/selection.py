"""Which SLA policy applies to a ticket, and on which business calendar its clock runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from ticketdesk.tickets.models import Ticket

from .calendar import Schedule
from .clock import PolicySpec, TargetSpec
from .models import BusinessCalendar, SLAPolicy, TeamCalendar


@dataclass
class PolicyCatalog:
    """Active policies with their conditions and targets, loaded once (6 queries) and reused
    for a batch of tickets; calendars are loaded on first use."""

    policies: list[SLAPolicy]
    schedules: dict[int, Schedule] = field(default_factory=dict)
    team_calendars: dict[int, int | None] = field(default_factory=dict)
    default_calendar_id: int | None = None

    @classmethod
    def load(cls) -> PolicyCatalog:
        policies = list(
            SLAPolicy.objects.filter(active=True)
            .order_by("order", "id")
            .prefetch_related("ticket_types", "categories", "teams", "organizations", "targets")
        )
        default = (
            BusinessCalendar.objects.filter(is_default=True).values_list("pk", flat=True).first()
        )
        return cls(policies=policies, default_calendar_id=default)

    def policy_for(self, ticket: Ticket) -> SLAPolicy | None:
        for policy in self.policies:
            if matches(policy, ticket):
                return policy
        return None

    def calendar_id_for(self, policy: SLAPolicy, ticket: Ticket) -> int | None:
        if policy.calendar_id is not None:
            return policy.calendar_id
        if ticket.team_id is not None:
            if ticket.team_id not in self.team_calendars:
                self.team_calendars[ticket.team_id] = (
                    TeamCalendar.objects.filter(team_id=ticket.team_id)
                    .values_list("calendar_id", flat=True)
                    .first()
                )
            team_calendar = self.team_calendars[ticket.team_id]
            if team_calendar is not None:
                return team_calendar
        return self.default_calendar_id

    def schedule(self, calendar_id: int | None) -> Schedule | None:
        if calendar_id is None:
            return None
        if calendar_id not in self.schedules:
            calendar = BusinessCalendar.objects.filter(pk=calendar_id).first()
            if calendar is None:
                return None
            self.schedules[calendar_id] = calendar.schedule()
        return self.schedules[calendar_id]


def matches(policy: SLAPolicy, ticket: Ticket) -> bool:
    """Does the ticket meet every non-empty condition of the policy? (Prefetched relations.)"""
    if policy.priorities and ticket.priority not in policy.priorities:
        return False
    if policy.channels and ticket.channel not in policy.channels:
        return False
    types = {t.pk for t in policy.ticket_types.all()}
    if types and ticket.ticket_type_id not in types:
        return False
    teams = {t.pk for t in policy.teams.all()}
    if teams and ticket.team_id not in teams:
        return False
    organizations = {o.pk for o in policy.organizations.all()}
    if organizations and ticket.organization_id not in organizations:
        return False
    if policy.customer_tiers:
        tier = ticket.organization.tier if ticket.organization else ""
        if tier not in policy.customer_tiers:
            return False
    categories = list(policy.categories.all())
    if categories:
        if ticket.category is None:
            return False
        path = ticket.category.path
        if not any(path == c.path or path.startswith(c.path + " / ") for c in categories):
            return False
    return True


def policy_spec(policy: SLAPolicy) -> PolicySpec:
    """The policy as plain data for `clock.compute` (targets prefetched)."""
    return PolicySpec(
        targets={
            target.metric: TargetSpec(
                seconds=target.minutes * 60,
                business_hours=target.business_hours,
                warn_at_percent=target.warn_at_percent,
            )
            for target in policy.targets.all()
        },
        pause_status_keys=frozenset(policy.pause_status_keys or []),
        policy_id=policy.pk,
        name=policy.name,
    )
