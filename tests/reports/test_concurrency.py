"""Roll-up upkeep under real concurrency: workers refreshing different tickets of the same
day, team and values add up exactly (PostgreSQL; SQLite's test database is one connection)."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

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
    errors: list[Exception] = []
    barrier = threading.Barrier(len(tickets))

    def work(ticket_id: int) -> None:
        try:
            barrier.wait(timeout=20)
            refresh_ticket(ticket_id)
        except Exception as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work, args=(t.pk,)) for t in tickets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    for dimension in ("", "channel", "type", "category", "organization"):
        rows = DailyTicketStats.objects.filter(dimension=dimension, team_id=team.pk)
        assert sum(r.created for r in rows) == 10, dimension
        assert sum(r.first_response_count for r in rows) == 10, dimension
        assert sum(sum(r.hist_first_response.values()) for r in rows) == 10, dimension
