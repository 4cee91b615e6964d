"""Roll-up upkeep under real concurrency: workers refreshing different tickets of the same
day, team and values add up exactly (PostgreSQL; SQLite's test database is one connection)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.concurrency import run_at_once
from tests.factories import ContactFactory, TeamFactory, make_agent
from ticketdesk.reports.facts import refresh_ticket
from ticketdesk.reports.models import DailyTicketStats, TicketFact
from ticketdesk.tickets import actions

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_refreshes_add_up():
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions (PostgreSQL)")
    team = TeamFactory()
    tickets = [
        actions.open_ticket(
            requester=ContactFactory(), subject=f"race {i}", channel="api", actor=None, team=team
        )
        for i in range(10)
    ]
    agent = make_agent(team, username="racer")
    for ticket in tickets:  # first responses: every worker also merges a histogram bucket
        actions.reply(ticket, actor=agent, body="On it")
    TicketFact.objects.all().delete()
    DailyTicketStats.objects.all().delete()  # every worker finds the rows missing at once
    errors = run_at_once(len(tickets), lambda i: refresh_ticket(tickets[i].pk))
    assert errors == []
    for dimension in ("", "channel", "type", "category", "organization"):
        rows = DailyTicketStats.objects.filter(dimension=dimension, team_id=team.pk)
        assert sum(r.created for r in rows) == 10, dimension
        assert sum(r.first_response_count for r in rows) == 10, dimension
        assert sum(sum(r.hist_first_response.values()) for r in rows) == 10, dimension
