"""Routing under real concurrency: workers routing at the same moment never assign past an
agent's capacity (PostgreSQL; the SQLite test database serialises writers anyway)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.concurrency import run_at_once
from tests.factories import ContactFactory, TeamFactory, make_agent
from ticketdesk.accounts.models import AssignmentStrategy
from ticketdesk.routing import engine
from ticketdesk.routing.models import AgentAvailability, RoutingDecision
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_routing_never_exceeds_capacity():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs real concurrent transactions: SQLite's in-memory test database is one "
            "connection and serialises writers, so there is no race to test"
        )
    team = TeamFactory(assignment_strategy=AssignmentStrategy.LEAST_LOADED)
    other_team = TeamFactory(assignment_strategy=AssignmentStrategy.ROUND_ROBIN)
    agents = [make_agent(team, username=f"cap{i}") for i in range(3)]
    other_team.memberships.create(user=agents[0])  # shared agent: locked across teams too
    for agent in agents:
        AgentAvailability.objects.create(user=agent, capacity=2)
    tickets = [
        actions.open_ticket(
            requester=ContactFactory(),
            subject=f"race {i}",
            channel="api",
            actor=None,
            team=other_team if i % 4 == 0 else team,
        )
        for i in range(12)
    ]
    errors = run_at_once(len(tickets), lambda i: engine.route(tickets[i].pk))
    assert errors == []
    per_agent = {agent.pk: Ticket.objects.filter(assignee=agent).count() for agent in agents}
    assert all(count <= 2 for count in per_agent.values()), per_agent
    assert sum(per_agent.values()) == 6
    assert RoutingDecision.objects.filter(assignee__isnull=True).count() == 6
