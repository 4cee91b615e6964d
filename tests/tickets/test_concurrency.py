"""Numbering and optimistic locking under real concurrency (threads, PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.concurrency import run_at_once
from tests.factories import ContactFactory, TeamFactory, make_agent
from ticketdesk.core.errors import Conflict
from ticketdesk.tickets import actions
from ticketdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_creation_gives_unique_gapless_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("thread concurrency needs PostgreSQL (SQLite test DB is in memory)")
    team = TeamFactory()
    contacts = [ContactFactory() for _ in range(8)]

    def create(i):
        for n in range(5):
            actions.open_ticket(
                requester=contacts[i], subject=f"t{i}-{n}", channel="api", actor=None, team=team
            )

    errors = run_at_once(8, create)
    assert errors == []
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == 40
    assert numbers == list(range(numbers[0], numbers[0] + 40))


def test_concurrent_edits_with_the_same_version_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip("thread concurrency needs PostgreSQL (SQLite test DB is in memory)")
    team = TeamFactory()
    agent = make_agent(team)
    ticket = actions.open_ticket(
        requester=ContactFactory(), subject="race", channel="api", actor=None, team=team
    )
    version = ticket.version
    results = []

    def edit(i):
        try:
            actions.set_fields(
                Ticket.objects.get(pk=ticket.pk),
                actor=agent,
                expected_version=version,
                subject=f"edit {i}",
            )
            results.append("ok")
        except Conflict:
            results.append("conflict")

    errors = run_at_once(6, edit)
    assert errors == []
    assert sorted(results) == ["conflict"] * 5 + ["ok"]
    ticket.refresh_from_db()
    assert ticket.version == version + 1
